#!/usr/bin/env bash
# A first `tix sync` of N Sonar tickets from `tix sim`, then an incremental one after a
# little churn: wall time (date) and peak RSS of the tix process (GNU time).
#   bash bench/sync.sh            # 100,000 tickets, no added latency
#   N=100000 LATENCY_MS=50 bash bench/sync.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
LATENCY_MS=${LATENCY_MS:-0}
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq time >/dev/null); fi
fi
cargo build --release --quiet
TIX=${CARGO_TARGET_DIR:-target}/release/tix
WORK=$(mktemp -d)
out=$(mktemp)
"$TIX" sim --port 0 --tickets "$N" --latency "${LATENCY_MS}ms" >"$out" 2>/dev/null &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; rm -rf "$WORK" "$out"' EXIT
for _ in $(seq 1 600); do [ -s "$out" ] && break; sleep 0.1; done
BASE=$(head -n1 "$out")

run() { # label -> one line
  local log t0 t1
  log=$(mktemp)
  t0=$(date +%s.%N)
  TIX_SONAR_URL=$BASE/sonar TIX_SONAR_API_KEY=bench /usr/bin/time -v "$TIX" sync --provider sonar \
    --out "$WORK/out" --state "$WORK/state.db" 2>"$log"
  t1=$(date +%s.%N)
  printf "%-12s wall %6.2f s  peak RSS %6.1f MB  %s\n" "$1" "$(echo "$t1 - $t0" | bc -l)" \
    "$(awk -F': ' '/Maximum resident set size/ {print $2 / 1024}' "$log")" "$(grep '^sonar:' "$log")"
  rm -f "$log"
}

echo "# $N tickets, page 1000, latency ${LATENCY_MS}ms"
run first
curl -s -X POST "$BASE/_sim/churn?new=100&updates=200" >/dev/null
run incremental
echo "lines written: $(cat "$WORK"/out/sonar/*/*.jsonl | wc -l)"

#!/usr/bin/env bash
# Pulls Sonar tickets from `tix sim` and reports wall time, tickets/s, the ratio to the
# lower bound ceil(N/page) x latency / concurrency, and peak RSS (GNU time).
#   bash bench/pull.sh            # 100,000 tickets at 50 ms, concurrency 1 4 8; 1,000,000 for RSS
# Needs /usr/bin/time (Debian package `time`); installs it when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
BIG=${BIG:-1000000}
LATENCY_MS=${LATENCY_MS:-50}
PAGE=1000
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq time >/dev/null); fi
fi
cargo build --release --quiet
TIX=${CARGO_TARGET_DIR:-target}/release/tix

start_sim() { # tickets latency -> sets SIM_PID, URL
  local out; out=$(mktemp)
  "$TIX" sim --port 0 --tickets "$1" --latency "$2" >"$out" 2>/dev/null &
  SIM_PID=$!
  for _ in $(seq 1 600); do [ -s "$out" ] && break; sleep 0.1; done
  URL=$(head -n1 "$out")/sonar
  rm -f "$out"
}

measure() { # label concurrency -> one table row
  local log; log=$(mktemp)
  local t0 t1
  t0=$(date +%s.%N)
  TIX_SONAR_URL=$URL TIX_SONAR_API_KEY=bench /usr/bin/time -v "$TIX" list --provider sonar \
    --concurrency "$2" -o jsonl 2>"$log" | wc -l >"$log.count"
  t1=$(date +%s.%N)
  local count rss wall
  count=$(cat "$log.count")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  wall=$(echo "$t1 - $t0" | bc -l)
  echo "$1 $2 $count $wall $rss"
  rm -f "$log" "$log.count"
}

echo "# $N tickets, page $PAGE, latency ${LATENCY_MS}ms"
echo "concurrency  tickets  wall_s  tickets_per_s  lower_bound_s  ratio  peak_rss_MB"
start_sim "$N" "${LATENCY_MS}ms"
pages=$(( (N + PAGE - 1) / PAGE ))
for c in 1 4 8; do
  read -r _ conc count wall rss < <(measure pull "$c")
  bound=$(echo "$pages * $LATENCY_MS / 1000 / $c" | bc -l)
  printf "%11s  %7s  %6.2f  %13.0f  %13.2f  %5.2f  %11.1f\n" "$conc" "$count" "$wall" \
    "$(echo "$count / $wall" | bc -l)" "$bound" "$(echo "$wall / $bound" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true

echo "# $BIG tickets streamed as jsonl to /dev/null, no latency"
start_sim "$BIG" 0ms
log=$(mktemp)
t0=$(date +%s.%N)
TIX_SONAR_URL=$URL TIX_SONAR_API_KEY=bench /usr/bin/time -v "$TIX" list --provider sonar -o jsonl \
  2>"$log" >/dev/null
t1=$(date +%s.%N)
printf "tickets %s  wall_s %.2f  peak_rss_MB %.1f\n" "$BIG" "$(echo "$t1 - $t0" | bc -l)" \
  "$(echo "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log") / 1024" | bc -l)"
rm -f "$log"
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true

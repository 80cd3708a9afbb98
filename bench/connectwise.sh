#!/usr/bin/env bash
# `tix sync --provider sonar --to connectwise` of N Sonar tickets against `tix sim` with
# LATENCY_MS added to every response on both sides (Sonar and ConnectWise are served by
# the same simulator), then a second run with nothing changed. Prints wall time and the
# requests per ticket the simulator counted (`/_sim/stats`), per side, and the same after
# 30 of the tickets changed (requests still divided by N, the tickets in the window).
#   bash bench/connectwise.sh                       # 300 tickets, 40 ms, release build
#   N=300 LATENCY_MS=40 PROFILE=debug CONCURRENCY=8 bash bench/connectwise.sh
#   TIX=/tmp/tix-before bash bench/connectwise.sh  # a given binary, no build
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-300}
LATENCY_MS=${LATENCY_MS:-40}
PROFILE=${PROFILE:-release}
CONCURRENCY=${CONCURRENCY:-}
# TIX=/path/to/tix measures that binary (e.g. one built before a change) without building.
if [ -z "${TIX:-}" ]; then
  if [ "$PROFILE" = release ]; then cargo build --release --quiet --bin tix; else cargo build --quiet --bin tix; fi
  TIX=${CARGO_TARGET_DIR:-target}/$PROFILE/tix
fi
WORK=$(mktemp -d)
out=$(mktemp)
"$TIX" sim --port 0 --tickets "$N" --latency "${LATENCY_MS}ms" >"$out" 2>/dev/null &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; rm -rf "$WORK" "$out"' EXIT
for _ in $(seq 1 600); do [ -s "$out" ] && break; sleep 0.1; done
BASE=$(head -n1 "$out")
extra=()
[ -n "$CONCURRENCY" ] && extra=(--concurrency "$CONCURRENCY")

# Requests served so far, per side: "<sonar> <connectwise>".
counts() {
  curl -s "$BASE/_sim/stats" | python3 -c '
import json, sys
r = json.load(sys.stdin)["requests"]
side = lambda p: sum(v for k, v in r.items() if p in k)
print(side("/sonar/"), side("/connectwise/"))'
}

run() { # label -> one line
  local log t0 t1 before after
  log=$(mktemp)
  before=$(counts)
  t0=$(date +%s.%N)
  TIX_SONAR_URL=$BASE/sonar TIX_SONAR_API_KEY=bench \
    TIX_CW_SITE=$BASE/connectwise TIX_CW_COMPANY=acme TIX_CW_PUBLIC_KEY=pub \
    TIX_CW_PRIVATE_KEY=priv TIX_CW_CLIENT_ID=bench \
    "$TIX" sync --provider sonar --to connectwise --board "Security Operations" \
    --status "New (MSSP)" --company ACME --state "$WORK/state.db" "${extra[@]}" 2>"$log"
  t1=$(date +%s.%N)
  after=$(counts)
  read -r s0 c0 <<<"$before"
  read -r s1 c1 <<<"$after"
  printf "%-10s wall %6.2f s  requests/ticket: sonar %5.2f  connectwise %5.2f  total %5.2f\n" "$1" \
    "$(echo "$t1 - $t0" | bc -l)" "$(echo "($s1 - $s0) / $N" | bc -l)" \
    "$(echo "($c1 - $c0) / $N" | bc -l)" "$(echo "($s1 - $s0 + $c1 - $c0) / $N" | bc -l)"
  echo "           $(grep 'connectwise' "$log" | tail -n1)"
  rm -f "$log"
}

echo "# $N Sonar tickets -> ConnectWise, latency ${LATENCY_MS}ms on both sides, $TIX${CONCURRENCY:+, --concurrency $CONCURRENCY}"
run new
run unchanged
# 30 tickets change upstream (status, title, priority or a comment): only they move.
curl -s -X POST "$BASE/_sim/churn?new=0&updates=30" >/dev/null
run changed
curl -s "$BASE/_sim/stats" | python3 -c '
import json, sys
r = json.load(sys.stdin)["requests"]
for k, v in sorted(r.items()):
    print("  %6d  %s" % (v, k))'

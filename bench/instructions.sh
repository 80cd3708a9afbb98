#!/usr/bin/env bash
# Instructions tix spends per 1,000 listed tickets (issue 18), counted by callgrind: unlike
# wall or CPU seconds, the count does not move with the machine's load, so it is the figure
# to compare builds by. `tix list -p sonar -o jsonl --concurrency 16` is run under callgrind
# with --limit N and with --limit 1 (the start: runtime, TLS setup, first request); the
# difference over N/1000 is the per-1,000-ticket cost. The simulator runs outside callgrind.
#   bash bench/instructions.sh                       # builds release, N=20000
#   TIX=/tmp/tix-before N=20000 bash bench/instructions.sh
#   KEEP=1 bash bench/instructions.sh                # keeps callgrind.out.* for callgrind_annotate
# Needs valgrind. A stripped binary counts the same; symbols only matter for annotating.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
FORMAT=${FORMAT:-jsonl}
if [ -z "${TIX:-}" ]; then
  cargo build --release --quiet
  TIX=${CARGO_TARGET_DIR:-target}/release/tix
fi
out=$(mktemp)
"$TIX" sim --port 0 --tickets 100000 --latency 0ms >"$out" 2>/dev/null &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -s "$out" ] && break; sleep 0.1; done
URL=$(head -n1 "$out")/sonar
rm -f "$out"

count() { # limit -> instructions
  local file; file=$(mktemp -u "${TMPDIR:-/tmp}/callgrind.out.tix-$1.XXXX")
  TIX_SONAR_URL=$URL TIX_SONAR_API_KEY=bench valgrind --tool=callgrind --callgrind-out-file="$file" \
    "$TIX" list --provider sonar -o "$FORMAT" --concurrency 16 --limit "$1" >/dev/null 2>"$file.log" ||
    { echo "tix list --limit $1 failed:" >&2; grep -v '^==' "$file.log" >&2; exit 1; }
  grep -m1 -o 'Collected : [0-9]*' "$file.log" | grep -o '[0-9]*'
  rm -f "$file.log"
  if [ -n "${KEEP:-}" ]; then echo "kept $file" >&2; else rm -f "$file"; fi
}

start=$(count 1)
total=$(count "$N")
echo "# callgrind, tix list -p sonar -o $FORMAT --concurrency 16, tix sim --tickets 100000"
printf "limit 1: %.1f M instructions; limit %s: %.1f M; per 1,000 tickets: %.2f M\n" \
  "$(echo "$start / 1000000" | bc -l)" "$N" "$(echo "$total / 1000000" | bc -l)" \
  "$(echo "($total - $start) / ($N / 1000) / 1000000" | bc -l)"

#!/usr/bin/env bash
# Lists N tickets of each provider from `tix sim` as jsonl and reports the count, wall time
# (date) and peak RSS of the tix process (GNU time); then a 2 MB Cyderes attachment round
# trip (upload, download) with the download's peak RSS.
#   bash bench/providers.sh              # 100,000 tickets per provider, no added latency
#   N=1500 bash bench/providers.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq time >/dev/null); fi
fi
cargo build --release --quiet
TIX=${CARGO_TARGET_DIR:-target}/release/tix
WORK=$(mktemp -d)
"$TIX" sim --port 0 --tickets "$N" >"$WORK/sim" 2>/dev/null &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 1 1200); do [ -s "$WORK/sim" ] && break; sleep 0.1; done
BASE=$(head -n1 "$WORK/sim")
export TIX_ARGUS_URL=$BASE/argus TIX_ARGUS_API_KEY=bench
export TIX_CYDERES_URL=$BASE/cyderes TIX_CYDERES_TOKEN=bench TIX_CYDERES_AUTHOR=bench
export TIX_ARCTICWOLF_URL=$BASE/arcticwolf TIX_ARCTICWOLF_API_KEY=bench
export TIX_SONAR_URL=$BASE/sonar TIX_SONAR_API_KEY=bench

rss_mb() { echo "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$1") / 1024" | bc -l; }

echo "# $N tickets per provider, tix list -o jsonl, default page size and concurrency"
for p in sonar argus cyderes arcticwolf; do
  t0=$(date +%s.%N)
  /usr/bin/time -v "$TIX" list --provider "$p" -o jsonl 2>"$WORK/time" | wc -l >"$WORK/count"
  t1=$(date +%s.%N)
  printf "%-11s tickets %7s  wall %6.2f s  peak RSS %5.1f MB\n" "$p" "$(cat "$WORK/count")" \
    "$(echo "$t1 - $t0" | bc -l)" "$(rss_mb "$WORK/time")"
done

echo "# a 2 MB Cyderes attachment: upload, then download to a file"
head -c 2000000 /dev/urandom >"$WORK/blob.bin"
id=$("$TIX" list --provider cyderes --limit 1 -o jsonl | jq -r .id)
"$TIX" attach add cyderes "$id" "$WORK/blob.bin" >/dev/null
att=$("$TIX" attach list cyderes "$id" -o jsonl | jq -r 'select(.name == "blob.bin") | .id' | tail -n1)
/usr/bin/time -v "$TIX" attach get cyderes "$id" "$att" --to "$WORK/back.bin" >/dev/null 2>"$WORK/time"
cmp -s "$WORK/blob.bin" "$WORK/back.bin" && same=identical || same=DIFFERENT
printf "download 2,000,000 bytes: %s, peak RSS %.1f MB\n" "$same" "$(rss_mb "$WORK/time")"

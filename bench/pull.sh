#!/usr/bin/env bash
# Pulls Sonar tickets from `tix sim` and reports, per concurrency: wall time, tickets/s, CPU
# seconds (user+sys of the tix process) per 100k tickets, the ratio to the transfer bound that
# curl measures in the same run (the same pages downloaded `--parallel` at that concurrency,
# decoding nothing), and peak RSS (GNU time). Then peak RSS of unthrottled pulls of growing size.
#   bash bench/pull.sh            # 100,000 tickets at 50 ms, concurrency 1 4 8 16; RSS at 10k 100k 1M
#   CONCURRENCY="1 16" RSS_SIZES="10000 100000" TIX=/tmp/tix-before bash bench/pull.sh
#   CONCURRENCY= RSS_SIZES="10000 100000 1000000" bash bench/pull.sh   # RSS only
# Needs /usr/bin/time (Debian package `time`; installed when run as root) and curl >= 7.66.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
LATENCY_MS=${LATENCY_MS:-50}
CONCURRENCY=${CONCURRENCY-1 4 8 16}
RSS_SIZES=${RSS_SIZES:-10000 100000 1000000}
PAGE=1000
if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq time >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq time >/dev/null); fi
fi
if [ -z "${TIX:-}" ]; then
  cargo build --release --quiet
  TIX=${CARGO_TARGET_DIR:-target}/release/tix
fi

start_sim() { # tickets latency -> sets SIM_PID, URL
  local out; out=$(mktemp)
  "$TIX" sim --port 0 --tickets "$1" --latency "$2" >"$out" 2>/dev/null &
  SIM_PID=$!
  for _ in $(seq 1 600); do [ -s "$out" ] && break; sleep 0.1; done
  URL=$(head -n1 "$out")/sonar
  rm -f "$out"
}

# GNU time's report -> "user+sys rss_kB"
cpu_rss() {
  awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Maximum resident set size/ {r=$2}
    END {printf "%.2f %s\n", u + s, r}' "$1"
}

measure() { # concurrency -> "count wall cpu rss_kB"
  local log; log=$(mktemp)
  local t0 t1 count
  t0=$(date +%s.%N)
  count=$(TIX_SONAR_URL=$URL TIX_SONAR_API_KEY=bench /usr/bin/time -v "$TIX" list --provider sonar \
    --concurrency "$1" -o jsonl 2>"$log" | wc -l)
  t1=$(date +%s.%N)
  echo "$count $(echo "$t1 - $t0" | bc -l) $(cpu_rss "$log")"
  rm -f "$log"
}

# The transfer bound: every page of the listing fetched by curl, `concurrency` at once, into
# /dev/null. The first page alone, then the rest in parallel, as tix must (it learns the total
# from the first page).
curl_bound() { # concurrency -> wall seconds
  local last=$(( (N + PAGE - 1) / PAGE * PAGE - PAGE ))
  local t0 t1
  t0=$(date +%s.%N)
  curl -sf -H "Authorization: Bearer bench" -o /dev/null "$URL/api/sonar/tickets?offset=0&limit=$PAGE"
  if [ "$last" -gt 0 ]; then
    curl -sf --no-progress-meter --parallel --parallel-immediate --parallel-max "$1" -H "Authorization: Bearer bench" \
      "$URL/api/sonar/tickets?offset=[$PAGE-$last:$PAGE]&limit=$PAGE" >/dev/null 2>&1
  fi
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

if [ -n "$CONCURRENCY" ]; then
echo "# $N Sonar tickets, page $PAGE, latency ${LATENCY_MS}ms; $(uptime | sed 's/.*load/load/')"
echo "concurrency  tickets  wall_s  tickets_per_s  cpu_s  cpu_s_per_100k  curl_bound_s  wall/bound  peak_rss_MB"
start_sim "$N" "${LATENCY_MS}ms"
declare -A WALL
for c in $CONCURRENCY; do
  bound=$(curl_bound "$c")
  read -r count wall cpu rss < <(measure "$c")
  WALL[$c]=$wall
  printf "%11s  %7s  %6.2f  %13.0f  %5.2f  %14.2f  %12.2f  %10.2f  %11.1f\n" "$c" "$count" "$wall" \
    "$(echo "$count / $wall" | bc -l)" "$cpu" "$(echo "$cpu * 100000 / $count" | bc -l)" "$bound" \
    "$(echo "$wall / $bound" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
done
if [ -n "${WALL[1]:-}" ]; then
  for c in $CONCURRENCY; do
    [ "$c" = 1 ] || printf "concurrency %s is %.2fx the sequential pager\n" "$c" "$(echo "${WALL[1]} / ${WALL[$c]}" | bc -l)"
  done
fi
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
fi

echo "# peak RSS streaming jsonl to /dev/null, no latency, default concurrency; $(uptime | sed 's/.*load/load/')"
echo "tickets  wall_s  cpu_s  peak_rss_MB"
for n in $RSS_SIZES; do
  start_sim "$n" 0ms
  log=$(mktemp)
  t0=$(date +%s.%N)
  TIX_SONAR_URL=$URL TIX_SONAR_API_KEY=bench /usr/bin/time -v "$TIX" list --provider sonar -o jsonl \
    2>"$log" >/dev/null
  t1=$(date +%s.%N)
  read -r cpu rss < <(cpu_rss "$log")
  printf "%7s  %6.2f  %5.2f  %11.1f\n" "$n" "$(echo "$t1 - $t0" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)"
  rm -f "$log"
  kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
done

# The same question inside one pull: peak RSS so far (VmHWM) when the 10,000th, 100,000th, ...
# ticket comes out, read from /proc while tix runs. Separate runs above include a start-up
# that a short run never amortizes; this shows whether memory keeps growing with the listing.
last=${RSS_SIZES##* }
echo "# peak RSS so far within one pull of $last tickets (VmHWM when the Nth ticket is written)"
echo "tickets  peak_rss_MB"
start_sim "$last" 0ms
fifo=$(mktemp -u); mkfifo "$fifo"
hwm=$(mktemp)
TIX_SONAR_URL=$URL TIX_SONAR_API_KEY=bench /usr/bin/time -f %M -o "$hwm" "$TIX" list --provider sonar \
  -o jsonl >"$fifo" &
TIME_PID=$!
# tix is started by time only once the fifo has a reader, so awk asks for its pid then.
awk -v tpid="$TIME_PID" -v marks="1000 10000 100000 300000 1000000 3000000" '
  BEGIN { n = split(marks, m, " "); i = 1 }
  NR == 1 { cmd = "pgrep -P " tpid; cmd | getline pid; close(cmd) }
  { if (i <= n && NR == m[i]) { f = "/proc/" pid "/status"
      while ((getline line < f) > 0) if (line ~ /^VmHWM/) { split(line, a, " "); printf "%7d  %11.1f\n", NR, a[2] / 1024 }
      close(f); i++ } }' <"$fifo"
wait "$TIME_PID"; rm -f "$fifo"
printf "%7s  %11.1f\n" end "$(echo "$(tail -n1 "$hwm") / 1024" | bc -l)"; rm -f "$hwm"
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true


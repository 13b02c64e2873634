#!/usr/bin/env bash
# --listen under hostile clients: 32 silent connections and 16 that drip a
# never-ending request one byte a second, each reopened as soon as the
# watcher closes it, hold every slot; a scraper still gets /metrics, 10
# times in a row.  (Before slots were taken from the oldest unanswered
# connection, every new connection was reset until the silent ones timed out.)
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || bail "python3 not installed (make deps)"
port=$((20000 + ($$ + 7) % 20000))
watch_start --listen "127.0.0.1:$port"
status=$WORK/hostile.status
python3 "$E2E_DIR/../helpers/wbw-hostile.py" "$port" 32 16 30 "$status" 2>"$WORK/hostile.err" &
hpid=$!
for _ in $(seq 100); do
	grep -q ready "$status" 2>/dev/null && break
	sleep 0.05
done
expect "the hostile clients are all connected" grep -q ready "$status"

good=0
for i in $(seq 10); do
	code=$(curl -sS --max-time 3 -o "$WORK/scrape$i.prom" -w '%{http_code}' \
		"http://127.0.0.1:$port/metrics" 2>"$WORK/scrape$i.err")
	if [ "$code" = 200 ] && grep -q '^wberrwatch_build_info{' "$WORK/scrape$i.prom"; then
		good=$((good + 1))
	else
		echo "# scrape $i: HTTP '$code': $(cat "$WORK/scrape$i.err")"
	fi
	sleep 0.5
done
expect_eq "10 scrapes in a row answered with the metrics" 10 "$good"
expect "the last scrape passes promtool check metrics" promtool check metrics <"$WORK/scrape10.prom"
# tests/doc/promql_names.py holds contrib/'s queries against the names it
# reads in src/metrics.c: those must be the names a real scrape has
expect_eq "src/metrics.c's metric names are the scrape's" \
	"$(sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$WORK/scrape10.prom" | sort | tr '\n' ' ')" \
	"$(/usr/bin/python3 "$E2E_DIR/../doc/promql_names.py" facts | sed -n 's/^metrics: //p' | tr ' ' '\n' | sort | tr '\n' ' ')"

kill -TERM "$hpid"
wait "$hpid"
expect_eq "the hostile client ran cleanly" "0 " "$? $(cat "$WORK/hostile.err")"
read -r _ reopened _ dripped <"$status"
expect "the watcher closed hostile connections to make room (reopened ${reopened:-?})" \
	test "${reopened:-0}" -ge 32
expect "the dripping clients dripped (${dripped:-?} bytes)" test "${dripped:-0}" -ge 16
watch_stop TERM
expect_eq "watcher exits 0" 0 "$WRC"
finish

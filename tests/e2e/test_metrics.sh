#!/usr/bin/env bash
# --metrics-file on a real error: the file exists from the start, counts the
# error and its verdict by device and errno, and passes promtool.
source "$(dirname "$0")/lib.sh"

make_fixture
prom=$WORK/wberrwatch.prom
watch_start --json --dev "$FX_DEV" --metrics-file "$prom"
expect "the metrics file exists once attached" [ -s "$prom" ]
fixture_fail
"$IO" "open a $FX_MNT/m w" "write a 8" "close a" >/dev/null
sync
wait_json '.type == "wb_error"' || not_ok "no error"
watch_stop INT
expect_eq "watcher exits 0" 0 "$WRC"
expect "promtool check metrics passes on the real file" promtool check metrics <"$prom"
expect_eq "one error counted by device and errno" 1 \
	"$(sed -n "s/^wberrwatch_writeback_errors_total{device=\"$FX_DEV\",errno=\"ENOSPC\"} //p" "$prom")"
expect_eq "its UNSEEN verdict counted" 1 \
	"$(sed -n "s/^wberrwatch_verdicts_total{verdict=\"unseen\",device=\"$FX_DEV\",errno=\"ENOSPC\"} //p" "$prom")"
expect_eq "set events agree with the JSON summary" \
	"$(wq '.[] | select(.type == "summary") | .set_events')" \
	"$(sed -n 's/^wberrwatch_set_events_total //p' "$prom")"
expect_eq "nothing lost" 0 "$(awk '/^wberrwatch_records_lost_total/ {s += $2} END {print s}' "$prom")"
expect "no temporary file left" bash -c "! ls '$WORK' | grep -q '\.tmp$'"

# --listen: the same metrics over HTTP, live, on loopback when given a port alone
port=$((20000 + $$ % 20000))
watch_start --json --dev "$FX_DEV" --listen "$port"
expect "it says where" grep -q "metrics at http://127.0.0.1:$port/metrics" "$WERR"
expect "bound on loopback only" bash -c "ss -Hltn 'sport = :$port' | grep -q '127.0.0.1:$port'"
# a client that connects and says nothing must not hold the watcher up
exec 3<>"/dev/tcp/127.0.0.1/$port"
"$IO" "open a $FX_MNT/h w" "write a 8" "close a" >/dev/null
sync
wait_json '.type == "wb_error" and .fs_path == "/h"' || not_ok "no error on /h"
curl -sS --max-time 3 -o "$WORK/scrape.prom" -D "$WORK/scrape.hdr" "http://127.0.0.1:$port/metrics"
expect_eq "GET /metrics: 200, with a silent client connected" 0 "$?"
expect "HTTP 200, text format 0.0.4" grep -q "^Content-Type: text/plain; version=0.0.4" "$WORK/scrape.hdr"
expect "promtool check metrics passes on the scrape" promtool check metrics <"$WORK/scrape.prom"
expect_eq "the scrape counts the error while the watch runs" 1 \
	"$(sed -n "s/^wberrwatch_writeback_errors_total{device=\"$FX_DEV\",errno=\"ENOSPC\"} //p" "$WORK/scrape.prom")"
expect_eq "GET /: 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")"
expect_eq "POST /metrics: 405" 405 "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/metrics")"
expect_eq "HEAD /metrics: 200, no body" "200 0" "$(curl -s -I -o /dev/null -w '%{http_code} %{size_download}' "http://127.0.0.1:$port/metrics")"
exec 3>&-
"$WBW" --listen "127.0.0.1:$port" -d 0 >/dev/null 2>"$WORK/busy.err"
expect_eq "a port in use: status 1" 1 "$?"
expect "it names the address and the reason" grep -q -- "--listen 127.0.0.1:$port: Address already in use" "$WORK/busy.err"
watch_stop TERM
expect_eq "watcher with --listen exits 0" 0 "$WRC"

# an unwritable path: said once on stderr, the watch goes on
watch_start --dev "$FX_DEV" --metrics-file /nonexistent/dir/w.prom
watch_stop INT
expect_eq "unwritable metrics file: the watch still exits 0" 0 "$WRC"
expect "unwritable metrics file: said on stderr" grep -q "cannot write --metrics-file /nonexistent/dir/w.prom" "$WERR"
finish

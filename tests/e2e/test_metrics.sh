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
# an unwritable path: said once on stderr, the watch goes on
watch_start --dev "$FX_DEV" --metrics-file /nonexistent/dir/w.prom
watch_stop INT
expect_eq "unwritable metrics file: the watch still exits 0" 0 "$WRC"
expect "unwritable metrics file: said on stderr" grep -q "cannot write --metrics-file /nonexistent/dir/w.prom" "$WERR"
finish

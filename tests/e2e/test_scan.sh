#!/usr/bin/env bash
# `wberrwatch scan`: open files whose cursor lags an error on their mapping,
# i.e. whose next fsync would report it.
source "$(dirname "$0")/lib.sh"

make_fixture
fixture_fail
# A is told by its fsync; B, opened before the error, is not (yet)
io_bg hold "open a $FX_MNT/scan w" "open b $FX_MNT/scan w" "stat b" "write a 8" "fsync a" "wait $WORK/go"
for _ in $(seq 100); do [ -n "$(ioq hold '.[] | select(.op == "fsync")')" ] && break; sleep 0.05; done
pid=$(ioq hold '.[0].pid')
# the maps of the tests' own watchers stopped before this one go a moment
# after they exit: until then a scan still reads their error times
pgrep -x wberrwatch >/dev/null || watch_gone 0
"$WBW" scan --json >"$WORK/scan.json" 2>"$WORK/scan.err"
expect_eq "scan exits 0" 0 "$?"
sq() { jq -rs "$1" "$WORK/scan.json"; }
expect_eq "exactly B lags: pid, fd, path, errno" "$pid $(ioq hold '.[] | select(.op == "stat") | .fdnum') $FX_MNT/scan ENOSPC" \
	"$(sq '[.[] | select(.type == "lagging_file" and .ino == '"$(ioq hold '.[] | select(.op == "stat") | .ino')"')] | map("\(.pid) \(.fd) \(.path) \(.errno_name)") | join(",")')"
expect_eq "it was seen by another file (A)" true "$(sq '[.[] | select(.path == "'"$FX_MNT/scan"'")][0].seen_by_another_file')"
expect "stderr counts them" grep -q "^wberrwatch scan: [0-9]* open file" "$WORK/scan.err"
# a watcher of someone else's on this host times every error, ours too: then
# the age is known, rightly (CI runs nothing else: there it must hold)
if pgrep -x wberrwatch >/dev/null && [ "${CI:-}" != true ]; then
	ok "no watcher ran when it hit: its age is unknown # SKIP another watcher runs on this host"
	ok "and stderr says why # SKIP another watcher runs on this host"
else
	expect_eq "no watcher ran when it hit: its age is unknown" null "$(sq '[.[] | select(.path == "'"$FX_MNT/scan"'")][0].age_ms')"
	expect "and stderr says why" grep -q "no watcher running to time the errors: ages unknown" "$WORK/scan.err"
fi
touch "$WORK/go"
wait "$IO_hold"
"$WBW" scan --json >"$WORK/scan2.json" 2>/dev/null
expect_eq "once closed, nothing of it lags" 0 "$(jq -rs '[.[] | select(.path == "'"$FX_MNT/scan"'")] | length' "$WORK/scan2.json")"

# with a watcher running when the error hits, scan gives the error's age
watch_start --dev "$FX_DEV"
io_bg aged "open a $FX_MNT/aged w" "open b $FX_MNT/aged w" "write a 8" "fsync a" "wait $WORK/go2"
for _ in $(seq 100); do [ -n "$(ioq aged '.[] | select(.op == "fsync")')" ] && break; sleep 0.05; done
t_err=$(date +%s%3N)
sleep 1
"$WBW" scan --json >"$WORK/scan3.json" 2>"$WORK/scan3.err"
t_scan=$(date +%s%3N)
age=$(jq -rs '[.[] | select(.path == "'"$FX_MNT/aged"'")][0].age_ms' "$WORK/scan3.json")
expect "the age is how long ago the error hit (${age} ms, 1000..$((t_scan - t_err + 200)))" \
	[ "$age" != null ] && [ "$age" -ge 1000 ] && [ "$age" -le $((t_scan - t_err + 200)) ]
expect "stderr says where ages come from" grep -q "ages as timed by the running watcher" "$WORK/scan3.err"
"$WBW" scan >"$WORK/scan3.txt" 2>/dev/null
expect "the text form has an AGE column" grep -qE "^ENOSPC .* [0-9]+\.[0-9]s +$FX_MNT/aged$" "$WORK/scan3.txt"
touch "$WORK/go2"
wait "$IO_aged"
watch_stop INT
finish

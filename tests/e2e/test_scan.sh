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
"$WBW" scan --json >"$WORK/scan.json" 2>"$WORK/scan.err"
expect_eq "scan exits 0" 0 "$?"
sq() { jq -rs "$1" "$WORK/scan.json"; }
expect_eq "exactly B lags: pid, fd, path, errno" "$pid $(ioq hold '.[] | select(.op == "stat") | .fdnum') $FX_MNT/scan ENOSPC" \
	"$(sq '[.[] | select(.type == "lagging_file" and .ino == '"$(ioq hold '.[] | select(.op == "stat") | .ino')"')] | map("\(.pid) \(.fd) \(.path) \(.errno_name)") | join(",")')"
expect_eq "it was seen by another file (A)" true "$(sq '[.[] | select(.path == "'"$FX_MNT/scan"'")][0].seen_by_another_file')"
expect "stderr counts them" grep -q "^wberrwatch scan: [0-9]* open file" "$WORK/scan.err"
touch "$WORK/go"
wait "$IO_hold"
"$WBW" scan --json >"$WORK/scan2.json" 2>/dev/null
expect_eq "once closed, nothing of it lags" 0 "$(jq -rs '[.[] | select(.path == "'"$FX_MNT/scan"'")] | length' "$WORK/scan2.json")"
finish

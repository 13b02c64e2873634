#!/usr/bin/env bash
# --mount and --errno on a real ENOSPC: filtered in the kernel.
source "$(dirname "$0")/lib.sh"

make_fixture
fixture_fail
for want in EIO ENOSPC; do
	watch_start --json --mount "$FX_MNT" --errno $want
	"$IO" "open a $FX_MNT/$want w" "write a 8" "fsync a" "close a" >/dev/null
	sleep 0.3
	watch_stop INT
	cp "$WOUT" "$WORK/$want.json"
done
wq_in() { jq -rs "$2" "$WORK/$1.json"; }
expect_eq "--mount selects the fixture's device" "$FX_DEV" "$(wq_in ENOSPC '.[] | select(.type == "start") | .filter_dev')"
expect_eq "--errno EIO: an ENOSPC error is not shown" 0 "$(wq_in EIO '[.[] | select(.type == "wb_error" or .type == "observe" or .type == "verdict")] | length')"
expect_eq "--errno EIO: and never reached userspace" 0 "$(wq_in EIO '.[] | select(.type == "summary") | .set_events')"
expect_eq "--errno ENOSPC: the error, its observation and verdict" "wb_error observe verdict" \
	"$(wq_in ENOSPC '[.[] | select(.type == "wb_error" or .type == "observe" or .type == "verdict") | .type] | join(" ")')"
"$WBW" --mount /nonexistent/wbw >/dev/null 2>"$WORK/m.err"
expect_eq "--mount of a missing path: status 2" 2 "$?"
expect "it says why" grep -q "invalid --mount '/nonexistent/wbw': No such file or directory" "$WORK/m.err"
finish

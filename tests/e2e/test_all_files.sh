#!/usr/bin/env bash
# A file open read-only when the error hits is not due to be told; with
# --all-files it is, and closing it untold makes it UNREPORTED.
source "$(dirname "$0")/lib.sh"

make_fixture
fixture_fail
run_case() { # OPTION-or-empty
	local tag=$1; shift
	watch_start --json --dev "$FX_DEV" "$@"
	"$IO" "open w $FX_MNT/$tag w" "write w 8" "close w" >/dev/null
	io_bg "r$tag" "open r $FX_MNT/$tag r" "wait $WORK/go$tag" "close r"
	sleep 0.2
	sync
	wait_json ".type == \"wb_error\" and .fs_path == \"/$tag\"" || not_ok "$tag: no error"
	touch "$WORK/go$tag"
	wait "$(eval echo \$IO_r$tag)"
	sleep 0.3
	watch_stop INT
}
run_case plain
pid=$(ioq rplain '.[0].pid')
expect_eq "default: the reader is not named" 0 "$(wq "[.[] | select(.type == \"verdict\" and .holder.pid == $pid)] | length")"
expect_eq "default: the error is UNSEEN" unseen "$(vq /plain '[.[].verdict] | join(",")')"
run_case all --all-files
pid=$(ioq rall '.[0].pid')
expect_eq "--all-files: the reader UNREPORTED, released by close" "unreported $pid close 1" \
	"$(vq /all '.[] | select(.verdict == "unreported") | "\(.verdict) \(.holder.pid) \(.released_by.how) \(.f_mode % 2)"')"
finish

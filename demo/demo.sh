#!/usr/bin/env bash
# The wberrwatch demo (`sudo make demo`): a throwaway faulty disk, one program
# that loses a write without knowing it and one that is told, and wberrwatch
# naming exactly the first.  Cleans up on exit, Ctrl-C or SIGTERM.
#
#   demo/demo.sh [BUILD_DIR]      (root; BUILD_DIR defaults to build)
#
# Exit status: 0 when wberrwatch flagged exactly the careless program, 1 when
# it did not, 3 without root, 130 when interrupted.
set -u
# first: without root even the checkout may be out of reach (a clone in a
# private folder), and the answer must still be this one
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root for the loop device and the BPF programs: sudo make demo" >&2
	exit 3
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(cd "${1:-$HERE/../build}" && pwd) || exit 1
WBW=$BUILD/wberrwatch
HOLD_MS=${DEMO_HOLD_MS:-2000}
# shellcheck source=tests/lib/fixture.sh
source "$HERE/../tests/lib/fixture.sh"
for f in "$WBW" "$BUILD/demo/careless" "$BUILD/demo/careful"; do
	[ -x "$f" ] || { echo "demo: $f is missing: run it as make demo" >&2; exit 1; }
done

if [ -t 1 ]; then B=$'\e[1m' R=$'\e[0m'; else B= R=; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }

LOGDIR=$(mktemp -d /tmp/wbw-demo.XXXXXX)
WPID= CPID=
cleanup() {
	trap - EXIT INT TERM
	[ -n "$CPID" ] && kill -KILL "$CPID" 2>/dev/null
	if [ -n "$WPID" ] && kill -0 "$WPID" 2>/dev/null; then
		kill -INT "$WPID" 2>/dev/null
		wait "$WPID" 2>/dev/null
	fi
	fixture_teardown
	rm -rf "$LOGDIR"
}
interrupted() {
	echo
	echo "demo: interrupted; removing the throwaway disk"
	cleanup
	exit 130
}
trap cleanup EXIT
trap interrupted INT TERM

step "1/5 A throwaway disk"
fixture_create >"$LOGDIR/fixture.log" 2>&1 || { cat "$LOGDIR/fixture.log" >&2; exit 1; }
echo "ext4 on $FX_LO ($FX_DEV), mounted on $FX_MNT; its image lives on a small tmpfs"

step "2/5 wberrwatch watches it"
echo "\$ wberrwatch --dev $FX_DEV --name-writers"
"$WBW" --dev "$FX_DEV" --name-writers > >(tee "$LOGDIR/watch.out") 2>"$LOGDIR/watch.err" &
WPID=$!
for _ in $(seq 200); do
	grep -qs 'watching writeback errors' "$LOGDIR/watch.err" && break
	kill -0 "$WPID" 2>/dev/null || break
	sleep 0.05
done
grep -q 'watching writeback errors' "$LOGDIR/watch.err" ||
	{ echo "demo: wberrwatch did not start:" >&2; cat "$LOGDIR/watch.err" >&2; exit 1; }

step "3/5 The disk fails: the tmpfs under the image is shrunk to what it holds"
fixture_fail || exit 1
echo "from now on every new block the kernel writes back fails with ENOSPC"

step "4/5 Two programs write 4 MiB each"
"$BUILD/demo/careless" "$FX_MNT/careless.dat" "$HOLD_MS" &
CPID=$!
sleep 0.5
echo "(the kernel writes dirty pages back within 30 s; sync(1) does it now)"
sync
"$BUILD/demo/careful" "$FX_MNT/careful.dat"
careful_rc=$?
wait "$CPID"
careless_rc=$?
CPID=
sleep 0.5 # wberrwatch looks at the files it follows every 100 ms

step "5/5 What wberrwatch concluded"
kill -INT "$WPID"
wait "$WPID"
WPID=
sleep 0.2 # tee prints the last lines
sed 's/^/  /' "$LOGDIR/watch.err" | grep -v 'watching writeback errors'

out=$LOGDIR/watch.out
if [ "$careless_rc" = 0 ] && [ "$careful_rc" = 1 ] &&
	grep -q "/careless.dat .*UNREPORTED: held by careless\[" "$out" &&
	grep -q "/careful.dat .*REPORTED to careful\[" "$out" &&
	! grep -q "/careful.dat .*\(UNREPORTED\|UNSEEN\)" "$out"; then
	echo
	echo "careless exited 0 and lost its data: wberrwatch flagged it UNREPORTED (no process of"
	echo "it was ever told of that error). careful was told by fsync: REPORTED, not flagged."
	echo "Next: sudo wberrwatch (live view), sudo wberrwatch run -- CMD (CI gate), man 8 wberrwatch"
	exit 0
fi
echo "demo: unexpected result (careless exit $careless_rc, careful exit $careful_rc); wberrwatch said:" >&2
cat "$out" >&2
exit 1

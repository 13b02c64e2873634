# shellcheck shell=bash
# Helpers for end-to-end tests: TAP output, the watcher's lifetime, the
# fault fixture.  Each test script prints "ok N - ..." / "not ok N - ...".
set -u
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/lib/fixture.sh
source "$E2E_DIR/../lib/fixture.sh"

WBW=${WBW_BIN:-${WBW_BUILD:?run through tests/run-tests}/wberrwatch}
IO=$WBW_BUILD/tests/wbw-io
WORK=$(mktemp -d /tmp/wbw-e2e.XXXXXX)
WPID= WRC= WOUT= WERR=
T=0

ok() { T=$((T + 1)); echo "ok $T - $*"; }
not_ok() { T=$((T + 1)); echo "not ok $T - $*"; }
# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}
# expect DESCRIPTION COMMAND...: ok when the command succeeds
expect() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# bail DESCRIPTION: a failed precondition ends the script with a failure
bail() {
	not_ok "$*"
	echo "1..$T"
	exit 1
}

e2e_cleanup() {
	local p
	# a script that bailed leaves its I/O helpers waiting: they hold the fixture's files
	for p in "${IO_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	if [ -n "$WPID" ] && kill -0 "$WPID" 2>/dev/null; then
		kill -KILL "$WPID" 2>/dev/null
		wait "$WPID" 2>/dev/null
	fi
	# WBW_E2E_ARTIFACTS=DIR keeps each script's watcher output and records
	# (the kernel matrix brings them out of its guests)
	if [ -n "${WBW_E2E_ARTIFACTS:-}" ]; then
		local keep
		keep=$WBW_E2E_ARTIFACTS/$(basename "$0" .sh)
		mkdir -p "$keep" && cp -r "$WORK"/*.out "$WORK"/*.err "$WORK"/*.json "$keep"/ 2>/dev/null
	fi
	fixture_teardown
	faultfs_teardown
	rm -rf "$WORK"
}
trap e2e_cleanup EXIT

# make_fixture [--errno]: a fresh faulty-disk fixture, or bail.  Sets FX_ERRNO to
# the errno a failed writeback on it reaches files with on this kernel,
# measured with one probe file (before any watcher starts): the loop driver
# passes the backing tmpfs's ENOSPC through where it does all I/O through
# kiocbs (6.12, 6.18 here), while older kernels' buffered path turns every
# failed write into EIO (6.1 here).
# Only with --errno: the probe's error stays in the filesystem's history.
make_fixture() {
	fixture_create >"$WORK/fixture.log" 2>&1 || bail "fixture: $(cat "$WORK/fixture.log")"
	FX_ERRNO=ENOSPC
	[ "${1:-}" = --errno ] || return 0
	fixture_fail >>"$WORK/fixture.log" 2>&1 || bail "fixture: $(cat "$WORK/fixture.log")"
	FX_ERRNO=$("$IO" "open a $FX_MNT/.probe w" "write a 8" "fsync a" "close a" |
		jq -r 'select(.op == "fsync") | .errno_name')
	fixture_heal
	rm -f "$FX_MNT/.probe"
	# the superblock's errseq has the probe's error: a syncfs reports it once
	sync -f "$FX_MNT" 2>/dev/null
	case $FX_ERRNO in
	ENOSPC | EIO) ;;
	*) bail "fixture: a failed writeback gave '$FX_ERRNO', not ENOSPC or EIO" ;;
	esac
}

# The release hooks a watch is run with (--hooks; the kernel matrix runs the
# scenario suite with each) and the ones it must say it uses: a watch that
# silently fell back would otherwise pass for the path it did not test.
WBW_HOOKS=${WBW_HOOKS:-}
WBW_EXPECT_HOOKS=${WBW_EXPECT_HOOKS:-}

# watch_start ARGS...: start wberrwatch, wait until it has attached
watch_start() {
	local hooks=() banner
	WOUT=$WORK/watch.out WERR=$WORK/watch.err
	[ -n "$WBW_HOOKS" ] && hooks=(--hooks "$WBW_HOOKS")
	# WBW_WATCH_ARGS: options the kernel matrix adds (a bigger ring buffer:
	# under emulation the watcher drains bursts about 20x slower)
	# emptied here, not by the redirections below: those run in the forked
	# child, and a banner left by this script's previous watcher could be
	# found first, the new one signalled before it has its handlers (seen:
	# test_metrics.sh, exit 130 after one SIGINT, nothing on stderr)
	: >"$WOUT"
	: >"$WERR"
	# shellcheck disable=SC2086
	"$WBW" "${hooks[@]}" ${WBW_WATCH_ARGS:-} "$@" >"$WOUT" 2>"$WERR" &
	WPID=$!
	for _ in $(seq 400); do
		if banner=$(grep 'watching writeback errors' "$WERR"); then
			[ -z "$WBW_EXPECT_HOOKS" ] || [[ $banner == *", $WBW_EXPECT_HOOKS hooks)"* ]] ||
				bail "wberrwatch ${hooks[*]} $* does not use $WBW_EXPECT_HOOKS hooks: $banner"
			return 0
		fi
		kill -0 "$WPID" 2>/dev/null || break
		sleep 0.05
	done
	bail "wberrwatch ${hooks[*]} $* did not attach: $(cat "$WERR")"
}

# watch_stop [SIGNAL]: stop the watcher, its exit status in WRC
watch_stop() {
	kill "-${1:-INT}" "$WPID"
	wait "$WPID"
	WRC=$?
	WPID=
}

# err_time_maps: how many watchers' error-time maps exist (wbw_err_times)
err_time_maps() { bpftool map list -j 2>/dev/null | jq '[.[] | select(.name == "wbw_err_times")] | length'; }
# watch_gone N: wait until only N error-time maps are left.  A stopped
# watcher's maps are freed by the kernel after it exits (its programs go
# after an RCU grace period, and their maps with them): until then a new
# watcher still reads its error times, rightly, and knows an error's age.
watch_gone() {
	for _ in $(seq 200); do [ "$(err_time_maps)" -le "$1" ] && return 0; sleep 0.05; done
	bail "a stopped watcher's maps were still there after 10 s"
}

# jq over the watcher's JSON lines
wq() { jq -rs "$1" "$WOUT"; }

finish() {
	echo "1..$T"
}

# wait_json JQ_FILTER [SECONDS]: until the watcher has printed a matching record
wait_json() {
	local i
	for i in $(seq $((${2:-10} * 20))); do
		[ -n "$(jq -c "select($1)" "$WOUT" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	return 1
}

# io_bg NAME OPS...: run wbw-io in the background, output in $WORK/NAME.json
IO_PIDS=()
io_bg() {
	local name=$1; shift
	"$IO" "$@" >"$WORK/$name.json" &
	eval "IO_$name=$!"
	IO_PIDS+=($!)
}

# ioq NAME FILTER: jq over one wbw-io run's output
ioq() { jq -rs "$2" "$WORK/$1.json"; }

# verdicts on one file, as decided: a provisional UNREPORTED (final false)
# is dropped once a later verdict on the same file and error decides it
# (UNREPORTED final, or REPORTED via handover): vq FS_PATH FILTER
DECIDED='reduce .[] as $v ([]; (if $v.file != null then map(select(.file != $v.file or .error_id != $v.error_id or .verdict != "unreported" or .final)) else . end) + [$v])'
vq() { wq "[.[] | select(.type == \"verdict\" and .fs_path == \"$1\")] | $DECIDED | $2"; }
# every verdict record on one file, provisional ones included
vq_all() { wq "[.[] | select(.type == \"verdict\" and .fs_path == \"$1\")] | $2"; }

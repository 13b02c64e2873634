# shellcheck shell=bash disable=SC2034  # STORM_* are set for the caller
# An error storm (issue 15), shared by bench/storm.sh (10,000 files, by
# hand) and tests/e2e/test_storm.sh (a CI-sized one): N files on the fault
# fixture, each written and held open for writing, never fsynced, by one
# process; one sync(2) then fails the writeback of all of them at once, so
# each file gets its own error.  Needs tests/lib/fixture.sh sourced and
# fixture_create run; the caller starts its watcher(s) first.
#
#   storm_hold IO N OUT     make FX_MNT/storm/f0..f(N-1) on the failing disk
#                           and hold them (wbw-io IO, its output in OUT);
#                           STORM_HOLDER is its pid
#   storm_sync              sync(2), timed: STORM_T0 and STORM_T_SYNC (ns)
#   storm_count FILE RE     lines of FILE matching the grep RE
#   storm_wait FILE RE N    until storm_count reaches N, or nothing new came
#                           for 5 s (records lost); STORM_COUNT is the last count
#   storm_kill              SIGKILL the holder (its exit releases every file
#                           untold), and heal the disk

STORM_HOLDER='' STORM_T0='' STORM_T_SYNC='' STORM_COUNT=0

storm_hold() {
	local io=$1 n=$2 out=$3
	# the directory on the healthy disk: a directory block that fails to
	# be written makes the files' own creation fail (see test_soak.sh)
	mkdir -p "$FX_MNT/storm"
	sync
	fixture_fail || return 1
	# 4 KiB each: one page, one failed request per file
	"$io" "many $n $FX_MNT/storm 4" "sleep 3600000" >"$out" 2>&1 &
	STORM_HOLDER=$!
	for _ in $(seq 1200); do
		grep -q '"op":"many"' "$out" && return 0
		kill -0 "$STORM_HOLDER" 2>/dev/null || break
		sleep 0.05
	done
	echo "storm: the holder did not open its $n files: $(cat "$out")" >&2
	return 1
}

storm_sync() {
	STORM_T0=$(date +%s%N)
	sync || true # every file's writeback fails; sync(2) tells no one
	STORM_T_SYNC=$(date +%s%N)
}

storm_count() {
	grep -c -- "$2" "$1" || true
}

storm_wait() {
	local file=$1 re=$2 n=$3 prev=-1 still=0
	STORM_COUNT=0
	for _ in $(seq 1200); do
		STORM_COUNT=$(storm_count "$file" "$re")
		[ "$STORM_COUNT" -ge "$n" ] && return 0
		if [ "$STORM_COUNT" = "$prev" ]; then still=$((still + 1)); else still=0 prev=$STORM_COUNT; fi
		[ "$still" -ge 50 ] && return 1
		sleep 0.1
	done
	return 1
}

storm_kill() {
	if [ -n "$STORM_HOLDER" ]; then
		kill -KILL "$STORM_HOLDER" 2>/dev/null || true
		wait "$STORM_HOLDER" 2>/dev/null || true # 137: killed, as meant
	fi
	STORM_HOLDER=
	fixture_heal
}

#!/usr/bin/env bash
# A busy host: every CPU saturated by normal-priority work (one busy loop per
# CPU).  Two applications share a file: A (cgroup A) and B (cgroup B) both
# hold it open for writing when the error hits; A writes 64 KiB and fsyncs,
# with no sync before, so the error first hits inside A's fsync; A is told;
# B closes without fsync at once after A's fsync (a FIFO wakes it, no
# polling).  B's application must get its UNREPORTED, under a watch and
# under run (A outside the command, B inside, the gate trips); where B was
# released before the watcher first looked (the kernel counted it open for
# writing as the error hit, the first pass did not find it), the verdict
# must say so with the window, and run must not pass.  Never a silent miss.
# Where the kernel makes the first look itself (Linux 6.7+, the start
# record's first_look is "kernel": a timer the error starts lists its files
# in softirq context), B is named in every run: no "late" is allowed.
source "$(dirname "$0")/lib.sh"

RUNS=${WBW_BUSY_RUNS:-20}
CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CG_ROOT" ] || bail "no cgroup2 mount"
CGA=$CG_ROOT/wbw-busy-a-$$ CGB=$CG_ROOT/wbw-busy-b-$$
mkdir "$CGA" "$CGB" || bail "cannot make cgroups"
BUSY=()
busy_cleanup() {
	local p
	for p in "${BUSY[@]}"; do kill -KILL "$p" 2>/dev/null; done
	for cg in "$CGA" "$CGB"; do
		for p in $(cat "$cg/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		for _ in $(seq 50); do rmdir "$cg" 2>/dev/null && break; sleep 0.1; done
	done
	e2e_cleanup
}
trap busy_cleanup EXIT
in_cg() { sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$@"; }

make_fixture
fixture_fail
M=$FX_MNT
for _ in $(seq "$(nproc)"); do
	sh -c 'while :; do :; done' &
	BUSY+=($!)
done

# one scenario on file $1 (A and B's outputs in $WORK/$1.A/.B); B's command
# line in $2.. (run wraps it); A runs outside it
pair() {
	local f=$1; shift
	rm -f "$WORK/$f.f1" "$WORK/$f.f2"
	mkfifo "$WORK/$f.f1" "$WORK/$f.f2"
	in_cg "$CGA" "$IO" "open a $M/$f w" "writek a 64" "fifo-wait $WORK/$f.f1" "fsync a" \
		"fifo-post $WORK/$f.f2" "close a" >"$WORK/$f.A" &
	local a=$!
	"$@" "$IO" "open b $M/$f w" "fifo-post $WORK/$f.f1" "fifo-wait $WORK/$f.f2" "close b" \
		>"$WORK/$f.B" 2>/dev/null
	wait $a
}

# under a watch
watch_start --json --mount "$M"
for i in $(seq "$RUNS"); do pair "w$i" in_cg "$CGB"; done
sleep 0.5
watch_stop INT
# Ground truth for every run: the error must hit after B opened the file
# (inside A's fsync, or the writeback of A's data started then).  A sync(2)
# run by anything else on the host between A's write and B's open writes A's
# data back early: B then opens a file whose error hit before, is due on it
# all the same (its cursor samples an unseen error as 0), and closes it
# before any pass could list it, which no hook of this kernel sees.  That is
# not the race this test is about: such a run is counted apart, and must
# stay rare (none in CI, where nothing else runs).
got=0 told=0 late=0 gap_ok=0 early=0
for i in $(seq "$RUNS"); do
	b=$(jq -rs '.[0].pid' "$WORK/w$i.B")
	b_open=$(jq -rs '.[] | select(.op == "open") | .ts_ns' "$WORK/w$i.B")
	hit=$(wq "[.[] | select(.type == \"wb_error\" and .fs_path == \"/w$i\") | .ts_ns] | min // 0")
	[ "$(jq -rs '.[] | select(.op == "fsync") | .errno_name' "$WORK/w$i.A")" != "" ] && told=$((told + 1))
	# ground truth: B closed within 5 ms of A's fsync returning
	gap=$(( ($(jq -rs '.[] | select(.op == "close") | .ts_ns' "$WORK/w$i.B") - \
		$(jq -rs '.[] | select(.op == "fsync") | .ts_ns' "$WORK/w$i.A")) / 1000000 ))
	[ "$gap" -lt 5 ] && gap_ok=$((gap_ok + 1))
	n=$(vq "/w$i" "[.[] | select(.verdict == \"unreported\" and .holder.pid == $b and .released_by.how == \"close\")] | length")
	l=$(vq "/w$i" '[.[] | select(.verdict == "unreported" and .released_by.how == "before_first_look") | "\(.released_by.files) \(.first_look_ms)"] | first // ""')
	if [ "$n" = 1 ]; then got=$((got + 1))
	elif [ -n "$l" ]; then late=$((late + 1)); echo "# w$i: B released before the first look: $l (files, ms)"
	elif [ "$hit" -gt 0 ] && [ "$hit" -lt "$b_open" ]; then
		early=$((early + 1)); echo "# w$i: the error hit $(( (b_open - hit) / 1000 )) us before B opened (a sync elsewhere): not the race"
	else echo "# w$i: B ($b) missed, silently: $(vq_all "/w$i" '[.[] | "\(.verdict) \(.holder.pid)"] | join(",")')"; fi
done
expect_eq "watch: A's fsync was told the error in every run" "$RUNS" "$told"
# ground truth: the race was run, B closing within 5 ms of A's told fsync in
# most runs (on a saturated host B itself is sometimes scheduled later:
# that run is an easier one, no failure of the tool)
echo "# watch: B closed within 5 ms of A's fsync in $gap_ok of $RUNS runs"
expect "watch: B closed within 5 ms of A's fsync in most runs ($gap_ok of $RUNS; ground truth)" \
	[ "$gap_ok" -ge $((RUNS * 3 / 4)) ]
echo "# watch: B's UNREPORTED named $got times, released before the first look $late times, error before B opened $early times"
expect_eq "watch: never a silent miss: B's UNREPORTED, or one that says the look came late" \
	"$RUNS" "$((got + late + early))"
expect "watch: the error hit after B opened in most runs ($((RUNS - early)) of $RUNS; ground truth)" \
	[ "$early" -le $((RUNS / 4)) ]
LOOK=$(wq '[.[] | select(.type == "start")][0].first_look')
echo "# the first look: $LOOK"
if [ "$LOOK" = kernel ]; then
	expect_eq "watch: B's UNREPORTED named in every run of the race (the kernel's first look)" \
		"$((RUNS - early))" "$got"
fi
expect_eq "watch: every UNREPORTED says when the watcher first looked" 0 \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "unreported" and .first_look_ms == null)] | length')"

# under run: B inside the command, A outside it: the gate trips on B's
# UNREPORTED, or run cannot vouch (a file released before the first look
# cannot be placed); it never passes
got=0 late=0 early=0
for i in $(seq "$RUNS"); do
	pair "r$i" "$WBW" run --report "$WORK/r$i.json" --writeback-wait 0 --
	r=$(jq -rs '[.[] | select(.type == "run")][0] | "\(.tripped) \(.exit_status)"' "$WORK/r$i.json")
	# ground truth, as above: an error run found at its start hit before B
	# (the command) was started at all
	caught=$(jq -rs '[.[] | select(.type == "start")][0].catch_up.errors' "$WORK/r$i.json")
	n=$(jq -rs '[.[] | select(.type == "verdict" and .verdict == "unreported" and .final and .released_by.how == "close")] | length' "$WORK/r$i.json")
	if [ "$r" = "true 86" ] && [ "$n" = 1 ]; then got=$((got + 1))
	elif [ "$r" = "false 87" ]; then late=$((late + 1))
	elif [ "$caught" != 0 ]; then
		early=$((early + 1)); echo "# r$i: the error hit before run started (a sync elsewhere): not the race"
	else echo "# r$i: run record '$r', final UNREPORTED $n: $(jq -rsc '[.[] | select(.type == "verdict" or .type == "run")]' "$WORK/r$i.json")"; fi
done
echo "# run: the gate tripped on B's UNREPORTED $got times, could not vouch $late times, error before the run $early times"
expect_eq "run: never passes: the gate trips (86) or it cannot vouch (87) in every run of the race" \
	"$RUNS" "$((got + late + early))"
expect "run: the error hit after the command started in most runs ($((RUNS - early)) of $RUNS; ground truth)" \
	[ "$early" -le $((RUNS / 4)) ]
if [ "$LOOK" = kernel ]; then
	expect_eq "run: the gate tripped on B's UNREPORTED in every run of the race (the kernel's first look)" \
		"$((RUNS - early))" "$got"
fi
finish

#!/usr/bin/env bash
# --pid, --comm and --cgroup on real ENOSPC errors: three watchers at once,
# each must keep exactly the verdicts about its processes.
#   f1: wbw-io in cgroup CG, closed untold         -> UNREPORTED
#   f2: wbw-other, outside, told by fsync           -> REPORTED
#   f3: wbw-io, outside, closed untold              -> UNREPORTED
#   f4: wbw-other wrote and closed before the error -> UNSEEN, writer wbw-other
source "$(dirname "$0")/lib.sh"

CG_ROOT=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[ -n "$CG_ROOT" ] || bail "no cgroup2 mount: --cgroup needs the unified hierarchy"
CG=$CG_ROOT/wbw-e2e-$$
mkdir "$CG" || bail "cannot make cgroup $CG"
cleanup_cg() {
	for p in $(cat "$CG/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	rmdir "$CG" 2>/dev/null
	for w in "${W[@]:-}"; do [ -n "$w" ] && kill -KILL "$w" 2>/dev/null; done
	e2e_cleanup
}
trap cleanup_cg EXIT

make_fixture
M=$FX_MNT
OTHER=$WORK/wbw-other # same program, another name (comm)
cp "$IO" "$OTHER"

# the holders wait for `begin`, so their pids exist before the watchers start
sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$CG" "$IO" "wait $WORK/begin" \
	"open a $M/f1 w" "write a 8" "wait $WORK/go" "close a" >"$WORK/p1.json" &
P1=$!
"$OTHER" "wait $WORK/begin" "open a $M/f2 w" "write a 8" "wait $WORK/go" "fsync a" "close a" \
	>"$WORK/p2.json" &
P2=$!
"$IO" "wait $WORK/begin" "open a $M/f3 w" "write a 8" "wait $WORK/go" "close a" >"$WORK/p3.json" &
P3=$!

declare -A W
start_one() { # NAME ARGS...: a watcher whose output is $WORK/NAME.out
	local name=$1; shift
	"$WBW" --json --dev "$FX_DEV" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
	W[$name]=$!
}
start_one pid --pid "$P3"
start_one comm --comm wbw-other
start_one cgroup --cgroup "$CG"
for name in pid comm cgroup; do
	for _ in $(seq 200); do grep -q 'watching writeback errors' "$WORK/$name.err" && break; sleep 0.05; done
	grep -q 'watching writeback errors' "$WORK/$name.err" || bail "watcher $name: $(cat "$WORK/$name.err")"
done

fixture_fail # (it syncs first: the writes come after)
touch "$WORK/begin"
"$OTHER" "open a $M/f4 w" "write a 8" "close a" >"$WORK/p4.json"
for p in p1 p2 p3; do
	for _ in $(seq 100); do [ -n "$(ioq $p '.[] | select(.op == "write")')" ] && break; sleep 0.05; done
done
sync
# each watcher prints the error whose writer it matches; wait for them
wait_in() { # NAME JQ
	for _ in $(seq 200); do [ -n "$(jq -c "select($2)" "$WORK/$1.out" 2>/dev/null)" ] && return 0; sleep 0.05; done
	not_ok "watcher $1: nothing matched $2"
}
wait_in pid '.type == "wb_error" and .fs_path == "/f3"'
wait_in comm '.type == "wb_error" and .fs_path == "/f2"'
wait_in cgroup '.type == "wb_error" and .fs_path == "/f1"'

# scan with the same filters, while the holders still hold their files
"$WBW" scan --json --pid "$P1" >"$WORK/scan-pid.json" 2>/dev/null
expect_eq "scan --pid: only that process's lagging file" "$P1 $M/f1" \
	"$(jq -rs 'map("\(.pid) \(.path)") | join(",")' "$WORK/scan-pid.json")"
"$WBW" scan --json --comm wbw-other >"$WORK/scan-comm.json" 2>/dev/null
expect_eq "scan --comm: only wbw-other's lagging file" "wbw-other $M/f2" \
	"$(jq -rs 'map("\(.comm) \(.path)") | join(",")' "$WORK/scan-comm.json")"

touch "$WORK/go"
wait "$P1" "$P2" "$P3"
sleep 0.5 # a lifetime pass sees the closes
for name in pid comm cgroup; do kill -INT "${W[$name]}"; done
for name in pid comm cgroup; do
	wait "${W[$name]}"
	expect_eq "watcher $name exits 0" 0 "$?"
	W[$name]=
done

# the verdicts on each file (a provisional UNREPORTED comes again once final:
# a process alone in its application is final once it exited; f1's cgroup
# stays, so its release waits for the handover window, pending at the end)
verdicts() { jq -rs '[.[] | select(.type == "verdict") | "\(.fs_path):\(.verdict):\(.holder.pid // .writer.pid)"] | unique | join(" ")' "$WORK/$1.out"; }
P4=$(ioq p4 '.[0].pid')
# nobody ever saw f1's and f3's errors either, but their UNREPORTED is the
# one alarm each gets (no UNSEEN besides)
expect_eq "--pid P3: f3 only, UNREPORTED (holder)" "/f3:unreported:$P3" "$(verdicts pid)"
expect_eq "--comm wbw-other: f2 REPORTED (holder), f4 UNSEEN (writer)" "/f2:reported:$P2 /f4:unseen:$P4" "$(verdicts comm)"
expect_eq "--cgroup: f1 only (holder in the cgroup)" "/f1:unreported:$P1" "$(verdicts cgroup)"
expect_eq "--cgroup: the holder's cgroup id is the directory's" "$(stat -c %i "$CG")" \
	"$(jq -rs '[.[] | select(.type == "verdict")][0].holder.cgroup_id' "$WORK/cgroup.out")"
expect_eq "--comm: errors shown are wbw-other's" "/f2 /f4" \
	"$(jq -rs '[.[] | select(.type == "wb_error") | .fs_path] | sort | join(" ")' "$WORK/comm.out")"
expect_eq "--comm: observations shown are wbw-other's" "wbw-other" \
	"$(jq -rs '[.[] | select(.type == "observe") | .process.comm] | unique | join(" ")' "$WORK/comm.out")"
expect_eq "start record names the filters" "$P3 wbw-other $CG" \
	"$(jq -rs '[.[] | select(.type == "start")] | "\(.[0].filter_pid)"' "$WORK/pid.out") $(jq -rs '.[] | select(.type == "start") | .filter_comm' "$WORK/comm.out") $(jq -rs '.[] | select(.type == "start") | .filter_cgroup' "$WORK/cgroup.out")"
expect "writers are named (implied --name-writers)" \
	jq -se 'any(.[]; .type == "wb_error" and .writer.comm == "wbw-other")' "$WORK/comm.out" >/dev/null

# bad values: exit 2 and say why
"$WBW" --pid 4194304 >/dev/null 2>"$WORK/e1"
expect_eq "--pid of no process: status 2" 2 "$?"
expect "it says so" grep -q "invalid --pid '4194304': no such process" "$WORK/e1"
"$WBW" --cgroup "$WORK" >/dev/null 2>"$WORK/e2"
expect_eq "--cgroup outside cgroupfs: status 2" 2 "$?"
expect "it says what is expected" grep -q "not a cgroup v2 directory" "$WORK/e2"
"$WBW" --cgroup "$CG/missing" >/dev/null 2>"$WORK/e3"
expect_eq "--cgroup missing: status 2" 2 "$?"
finish

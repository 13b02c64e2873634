#!/usr/bin/env bash
# `wberrwatch run -- CMD`: verdicts about CMD's process tree only, CMD's exit
# status unless the gate trips, the report, CMD without our privileges.
source "$(dirname "$0")/lib.sh"

make_fixture
fixture_fail
M=$FX_MNT
run() { # NAME ARGS... -- CMD: status in RC_NAME, stdout/stderr in $WORK/NAME.{out,err}
	local name=$1; shift
	"$WBW" run "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	eval "RC_$name=$?"
}
rq() { jq -rs "$2" "$WORK/$1"; }

# 1: told -> REPORTED, CMD's status; an outside process closing untold at the
#    same time is not about CMD
"$IO" "open o $M/outside w" "write o 8" "wait $WORK/go1" "close o" >/dev/null &
outside=$!
sleep 0.2
run told --report "$WORK/told.json" -- "$IO" "open a $M/told w" "write a 8" "fsync a" "close a"
sync
sleep 0.5
touch "$WORK/go1"
wait $outside
expect_eq "told: exit status is the command's" 0 "$RC_told"
expect_eq "told: one REPORTED in the report" "reported" "$(rq told.json '[.[] | select(.type == "verdict") | .verdict] | join(",")')"
expect_eq "told: the run record" "0 false true 0" \
	"$(rq told.json '.[] | select(.type == "run") | "\(.command_exit_status) \(.tripped) \(.complete) \(.exit_status)"')"
expect_eq "told: the outside process is not in the report" 0 \
	"$(rq told.json "[.[] | select(.holder.pid == $outside)] | length")"

# 2: a child of a shell holds the file when the error hits and closes it
#    untold: the tree is followed through fork, the gate trips
( run untold --report "$WORK/untold.json" -- sh -c "\"$IO\" 'open a $M/untold w' 'write a 8' 'wait $WORK/go2' 'close a'" ) &
runner=$!
for _ in $(seq 100); do [ -s "$M/untold" ] && break; sleep 0.05; done
sleep 0.3
sync
sleep 0.5
touch "$WORK/go2"
wait $runner
untold_rc=$(rq untold.json '.[] | select(.type == "run") | .exit_status')
expect_eq "untold: the gate trips with its own status, 86" 86 "$untold_rc"
expect_eq "untold: UNREPORTED to the shell's child, released by close, final at the end" \
	"unreported close wbw-io true run" \
	"$(rq untold.json '[.[] | select(.type == "verdict" and .verdict == "unreported")] | last | "\(.verdict) \(.released_by.how) \(.holder.comm) \(.final) \(.application)"')"
expect_eq "untold: given provisional at the close, then final: two records, no UNSEEN" \
	"unreported:false unreported:true" \
	"$(rq untold.json '[.[] | select(.type == "verdict") | "\(.verdict):\(.final)"] | join(" ")')"
expect "untold: stderr says why it failed" grep -q "FAILED: --fail-on=any matched.*(exit 86, the --gate-status)" "$WORK/untold.err"

# 3: written, closed, then lost with nobody holding it: UNSEEN, attributed
#    by writer; --fail-on=unreported lets it pass, unseen and the default
#    (any: every untold loss of the command's data) do not
for gate in unreported unseen any; do
	( run "unseen_$gate" --fail-on=$gate --report "$WORK/unseen_$gate.json" -- \
		"$IO" "open a $M/unseen_$gate w" "write a 8" "close a" "wait $WORK/go3$gate" ) &
	runner=$!
	for _ in $(seq 100); do [ -s "$M/unseen_$gate" ] && break; sleep 0.05; done
	sleep 0.3
	sync
	sleep 0.5
	touch "$WORK/go3$gate"
	wait $runner
done
expect_eq "unseen: UNSEEN about the command's write" "unseen" \
	"$(rq unseen_unseen.json '[.[] | select(.type == "verdict") | .verdict] | join(",")')"
expect_eq "unseen: --fail-on=unreported passes (exit 0)" 0 "$(rq unseen_unreported.json '.[] | select(.type == "run") | .exit_status')"
expect_eq "unseen: --fail-on=unseen trips (exit 86)" 86 "$(rq unseen_unseen.json '.[] | select(.type == "run") | .exit_status')"
expect_eq "unseen: --fail-on=any trips (exit 86)" 86 "$(rq unseen_any.json '.[] | select(.type == "run") | .exit_status')"

# 3b: the commonest loss: written, closed, the command exits; writeback
#     fails only after that.  run writes it back (sync(2), which tells no
#     one) and judges it: UNSEEN naming the file and the writer, gate trips.
#     With --writeback-wait 0 it does not wait, and sees nothing.
run after --report "$WORK/after.json" -- "$IO" "open a $M/after w" "write a 8" "close a"
expect_eq "after exit: the gate trips (86)" 86 "$RC_after"
expect_eq "after exit: UNSEEN on the file, the command's process its writer" \
	"unseen /after wbw-io" \
	"$(rq after.json '.[] | select(.type == "verdict" and .bdev == null) | "\(.verdict) \(.fs_path) \(.writer.comm)"')"
# the filesystem's metadata the write dirtied (the block device's own
# mapping) may fail too, and is the command's as well
expect_eq "after exit: nothing else but the device's metadata" "" \
	"$(rq after.json '[.[] | select(.type == "verdict" and .bdev == null and .fs_path != "/after")] | length | select(. > 0)')"
expect_eq "after exit: the run record says the writeback completed" "true true 86" \
	"$(rq after.json '.[] | select(.type == "run") | "\(.tripped) \(.writeback_complete) \(.exit_status)"')"
run nowait --writeback-wait 0 --report "$WORK/nowait.json" -- "$IO" "open a $M/nowait w" "write a 8" "close a"
expect_eq "--writeback-wait 0: no wait, no verdict, the command's status" "0 0" \
	"$RC_nowait $(rq nowait.json '[.[] | select(.type == "verdict")] | length')"
sync

# 3c: the command's own status is never mistaken for the gate's: a command
#     exiting 86 leaves the gate untripped, and stderr and the report say so
run own86 --report "$WORK/own86.json" -- sh -c 'exit 86'
expect_eq "a command's own 86 passes through, untripped" "86 false 86" \
	"$RC_own86 $(rq own86.json '.[] | select(.type == "run") | "\(.tripped) \(.exit_status)"')"
expect "and stderr says the status is the command's" grep -q "gate not tripped: exit 86 is sh's own" "$WORK/own86.err"
run gs --gate-status 120 --report "$WORK/gs.json" -- "$IO" "open a $M/gs w" "write a 8" "close a"
expect_eq "--gate-status 120: the status the gate trips with" 120 "$RC_gs"

# 4: exit status and signals pass through
run seven -- sh -c 'exit 7'
expect_eq "the command's exit status passes through" 7 "$RC_seven"
"$WBW" run -- sleep 30 >/dev/null 2>&1 &
w=$!
sleep 1
kill -TERM $w
wait $w
expect_eq "SIGTERM goes to the command; its death by signal is the status (128+15)" 143 "$?"
run nocmd
expect_eq "run without a command: status 2" 2 "$RC_nocmd"

# 4b: once attached the watcher keeps only what it needs (CapEff bits:
#     CAP_SYS_NICE 23 while it waits at SCHED_FIFO, to return there after passes;
#     CAP_BPF 39, CAP_PERFMON 38; run adds CAP_KILL 5; --report CAP_DAC_OVERRIDE 1)
capeff() { sed -n 's/^CapEff:\t//p' "/proc/$1/status"; }
"$WBW" --duration 2 >/dev/null 2>"$WORK/w.err" &
w=$!
for _ in $(seq 100); do grep -q watching "$WORK/w.err" && break; sleep 0.05; done
expect_eq "a watch keeps CAP_BPF, CAP_PERFMON and CAP_SYS_NICE only" 000000c000800000 "$(capeff $w)"
# /proc/PID/stat after the comm: field 19 nice, field 41 policy (1: SCHED_FIFO)
sched() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print "nice " $17 " policy " $39 " rtprio " $38 }'; }
expect_eq "a watch waits for errors at SCHED_FIFO 1" "nice 0 policy 1 rtprio 1" "$(sched $w)"
wait $w
run prio --report "$WORK/prio.json" -- sh -c 'sed "s/^.*) //" /proc/self/stat | awk "{ print \"nice \" \$17 \" policy \" \$39 }"'
expect_eq "run's command does not inherit the watcher's priority" "nice 0 policy 0" "$(cat "$WORK/prio.out")"
expect_eq "the start record says how the watcher waits" fifo "$(rq prio.json '.[] | select(.type == "start") | .priority')"
"$WBW" run --report "$WORK/caps.json" -- sleep 2 >/dev/null 2>"$WORK/r.err" &
w=$!
for _ in $(seq 100); do grep -q watching "$WORK/r.err" && break; sleep 0.05; done
sleep 0.2
expect_eq "run --report keeps also CAP_KILL and CAP_DAC_OVERRIDE" 000000c000800022 "$(capeff $w)"
wait $w
# started as the systemd unit starts it: without CAP_DAC_OVERRIDE to keep
setpriv --bounding-set=-all,+bpf,+perfmon,+sys_resource,+dac_read_search,+sys_nice --inh-caps=-all \
	"$WBW" --duration 2 --metrics-file "$WORK/unit.prom" >/dev/null 2>"$WORK/u.err" &
w=$!
for _ in $(seq 100); do grep -q watching "$WORK/u.err" && break; sleep 0.05; done
expect_eq "with the unit's reduced capabilities: keeps what it has of them" 000000c000800000 "$(capeff $w)"
wait $w
expect "and says nothing about failing to drop" bash -c "! grep -q 'could not drop' '$WORK/u.err'"

# 5: the command never has our privileges
run caps -- sh -c 'id -u; grep ^CapEff /proc/self/status'
expect_eq "as root: uid 0 without any capability" "0 CapEff: 0000000000000000" "$(tr -s '\t\n' '  ' <"$WORK/caps.out" | sed 's/ $//')"
SUDO_UID=65534 SUDO_GID=65534 run sudo -- id -u
expect_eq "under sudo: the invoking user (SUDO_UID)" 65534 "$(cat "$WORK/sudo.out")"
run user --user nobody -- id -u
expect_eq "--user nobody" "$(id -u nobody)" "$(cat "$WORK/user.out")"
run nouser --user no-such-user-wbw -- true
expect_eq "--user with an unknown name: status 1 and a message" 1 "$RC_nouser"
expect "it says which user" grep -q "no such user 'no-such-user-wbw'" "$WORK/nouser.err"
finish

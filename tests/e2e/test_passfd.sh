#!/usr/bin/env bash
# A descriptor passed to an unrelated process (issue 15).  The passes after
# the first look list only the holders and follow their forks; a process
# that receives a descriptor over a unix socket (SCM_RIGHTS) is neither, so
# it is no holder until a pass over every process finds it.  Absence from a
# limited pass is never taken for a release by itself: when the sender
# closes, the holders' pass misses the file, a pass over every process
# follows at once and finds it in the receiver.  So the verdicts must name
# the receiver C, never the sender A (both are wbw-io: told apart by pid):
#  q1: A sends, closes; C later closes untold: UNREPORTED, released by C's close
#  q2: the same, C exits holding it: UNREPORTED, released by C's exit
#  q3: the same, C fsyncs (told) and closes: REPORTED to C, no UNREPORTED
# A third process B, holding the file too, is told first (its own fsync):
# while an error is unseen every pass lists every process anyway (a new
# opener would be due), and the passes limited to the holders, which this
# is about, begin once every tracked error was seen.
# (What this cannot see: a receiver that lets go before any pass after the
# sender's close lists it; A is then the last holder anyone saw.)
source "$(dirname "$0")/lib.sh"

make_fixture --errno
# -v: the closing line says how many passes were confirmed over every process
watch_start --json -v --dev "$FX_DEV"
fixture_fail
M=$FX_MNT

for q in q1 q2 q3; do
	# A opened the file, wrote, and is the one holder the first look finds
	io_bg a$q "open a $M/$q w" "stat a" "write a 8" "wait $WORK/send" "send a $WORK/$q.sock" \
		"close a" "wait $WORK/end"
done
for q in q1 q2 q3; do
	io_bg b$q "open b $M/$q w" "stat b" "wait $WORK/tell" "fsync b" "close b" "wait $WORK/end"
done
# C never opens the file: it only receives the descriptor
io_bg cq1 "recv f $WORK/q1.sock" "stat f" "wait $WORK/release" "close f" "wait $WORK/end"
io_bg cq2 "recv f $WORK/q2.sock" "stat f" "wait $WORK/release" "exit"
io_bg cq3 "recv f $WORK/q3.sock" "stat f" "wait $WORK/release" "fsync f" "close f" "wait $WORK/end"
for q in q1 q2 q3; do
	for _ in $(seq 100); do [ "$(ioq a$q '[.[] | select(.op == "write")] | length')" -ge 1 ] && break; sleep 0.05; done
done
sync # fails every file's writeback, tells no one
for q in q1 q2 q3; do
	wait_json ".type == \"wb_error\" and .fs_path == \"/$q\"" || not_ok "no wb_error for /$q"
done
# the first look lists A and B as the holders; B is told
touch "$WORK/tell"
for q in q1 q2 q3; do
	wait_json ".type == \"observe\" and .fs_path == \"/$q\"" || not_ok "no observation of B's fsync on /$q"
done
# the pass over every process that follows the first telling, then passes
# over the holders only; now A hands the file over and closes
sleep 0.5
touch "$WORK/send"
for q in q1 q2 q3; do
	for _ in $(seq 200); do [ "$(ioq a$q '[.[] | select(.op == "close")] | length')" = 1 ] && break; sleep 0.05; done
	for _ in $(seq 200); do [ "$(ioq c$q '[.[] | select(.op == "stat")] | length')" = 1 ] && break; sleep 0.05; done
done
# a holders' pass after A's close misses the files and a pass over every
# process finds them in C: within one pass interval, at most 1.6 s (it
# doubles while nothing changes); C lets go only after that
sleep 2.5
touch "$WORK/release"
wait "$IO_cq2" 2>/dev/null
for _ in $(seq 200); do [ "$(ioq cq1 '[.[] | select(.op == "close")] | length')" = 1 ] && break; sleep 0.05; done
for _ in $(seq 200); do [ "$(ioq cq3 '[.[] | select(.op == "close")] | length')" = 1 ] && break; sleep 0.05; done
# the close is seen by the next pass (at most 100 ms after a change, but
# the interval may have grown meanwhile), the exit at once
wait_json '.type == "verdict" and .fs_path == "/q1"' 5 || not_ok "no verdict on /q1 after C's close"
wait_json '.type == "verdict" and .fs_path == "/q2"' 5 || not_ok "no verdict on /q2 after C's exit"
touch "$WORK/end"
wait "$IO_aq1" "$IO_aq2" "$IO_aq3" "$IO_bq1" "$IO_bq2" "$IO_bq3" "$IO_cq1" "$IO_cq3" 2>/dev/null
sleep 0.3
watch_stop INT
expect_eq "watcher exits 0" 0 "$WRC"

declare -A bpid
for q in q1 q2 q3; do
	expect_eq "$q: A and C had the same file (dev, inode)" \
		"$(ioq a$q '.[] | select(.op == "stat") | "\(.dev) \(.ino)"')" "$(ioq c$q '.[] | select(.op == "stat") | "\(.dev) \(.ino)"')"
	expect_eq "$q: A's send and close, C's recv succeeded" "0 0 0" \
		"$(ioq a$q '[.[] | select(.op == "send" or .op == "close") | .ret] | join(" ")') $(ioq c$q '.[] | select(.op == "recv") | .ret')"
	pa=$(ioq a$q '.[0].pid') pb=$(ioq b$q '.[0].pid')
	expect_eq "$q: no verdict names A ($pa), as holder or releaser" 0 \
		"$(vq_all /$q "[.[] | select(.holder.pid == $pa or .released_by.pid == $pa)] | length")"
	expect_eq "$q: B told $FX_ERRNO by its fsync, and REPORTED through its check, at its fd" \
		"$FX_ERRNO reported check $pb $(ioq b$q '.[] | select(.op == "stat") | .fdnum')" \
		"$(ioq b$q '.[] | select(.op == "fsync") | .errno_name') $(vq /$q "[.[] | select(.holder.pid == $pb) | \"\\(.verdict) \\(.told_via) \\(.holder.pid) \\(.holder.fd)\"] | join(\",\")")"
	bpid[$q]=$pb
done
c1=$(ioq cq1 '.[0].pid') fd1=$(ioq cq1 '.[] | select(.op == "stat") | .fdnum')
expect_eq "q1: one verdict: UNREPORTED, final, held by C alone at its fd, released by C's close" \
	"unreported true $c1 wbw-io $fd1 1 close $c1 wbw-io" \
	"$(vq /q1 '[.[] | select(.holder.pid != '"${bpid[q1]}"') | "\(.verdict) \(.final) \(.holder.pid) \(.holder.comm) \(.holder.fd) \(.holder.processes) \(.released_by.how) \(.released_by.pid) \(.released_by.comm)"] | join(",")')"
c2=$(ioq cq2 '.[0].pid') fd2=$(ioq cq2 '.[] | select(.op == "stat") | .fdnum')
expect_eq "q2: one verdict: UNREPORTED, final, held by C at its fd, released by C's exit (status 0)" \
	"unreported true $c2 wbw-io $fd2 exit $c2 wbw-io 0" \
	"$(vq /q2 '[.[] | select(.holder.pid != '"${bpid[q2]}"') | "\(.verdict) \(.final) \(.holder.pid) \(.holder.comm) \(.holder.fd) \(.released_by.how) \(.released_by.pid) \(.released_by.comm) \(.released_by.exit_code)"] | join(",")')"
c3=$(ioq cq3 '.[0].pid') fd3=$(ioq cq3 '.[] | select(.op == "stat") | .fdnum')
expect_eq "q3: C's fsync returned $FX_ERRNO" "$FX_ERRNO" "$(ioq cq3 '.[] | select(.op == "fsync") | .errno_name')"
expect_eq "q3: one verdict: REPORTED to C through its check, at its fd" "reported check $c3 wbw-io $fd3" \
	"$(vq /q3 '[.[] | select(.holder.pid != '"${bpid[q3]}"') | "\(.verdict) \(.told_via) \(.holder.pid) \(.holder.comm) \(.holder.fd)"] | join(",")')"
expect_eq "q3: no UNREPORTED, provisional or final" 0 "$(vq_all /q3 '[.[] | select(.verdict == "unreported")] | length')"
# the path under test was taken: limited passes, and passes over every
# process that confirmed what they missed (A's close of each file)
read -r limited confirmed < <(sed -n 's/^wberrwatch: passes: [0-9]* over every process, \([0-9]*\) over the holders (\([0-9]*\) .*/\1 \2/p' "$WERR")
expect "passes limited to the holders (${limited:-none}), ${confirmed:-none} confirmed over every process when they missed a file" \
	[ "${limited:-0}" -ge 1 -a "${confirmed:-0}" -ge 1 ]
expect_eq "nothing lost" 0 "$(wq '.[] | select(.type == "summary") | .lost.total')"
finish

#!/usr/bin/env bash
# `wberrwatch doctor`: every hook kind tried for real, what a watch would
# use, and the exit status a watch would have.
source "$(dirname "$0")/lib.sh"

"$WBW" doctor --json >"$WORK/d.json" 2>"$WORK/d.err"
expect_eq "doctor exits 0 where a watch runs" 0 "$?"
dq() { jq -r "$1" "$WORK/d.json"; }
expect_eq "one JSON object of type doctor" doctor "$(dq .type)"
expect_eq "kernel release" "$(uname -r)" "$(dq .kernel)"
for c in raw_tp tp_btf sched_process_fork iter/task_file sched_process_exit ext4_sync_file_exit \
	ext4_sync_fs writeback_mark_inode_dirty; do
	expect_eq "$c loads and attaches here" true "$(dq ".checks[\"$c\"].ok")"
done
expect_eq "watch, run and scan all work here" "true true true" \
	"$(dq '"\(.commands.watch) \(.commands.run) \(.commands.scan)"')"
# classic tracepoint programs need tracefs, and only they: doctor says which
# it is on this machine as it is (CI runs with none mounted, as a fresh host)
tracefs=false; [ -d /sys/kernel/tracing/events ] || [ -d /sys/kernel/debug/tracing/events ] && tracefs=true
expect_eq "tracefs reported as mounted=$tracefs" $tracefs "$(dq '.checks.tracefs.ok')"
expect_eq "classic tracepoints reported as usable=$tracefs" $tracefs "$(dq '.checks.tracepoint.ok')"
if [ $tracefs = false ]; then
	expect "the classic check says tracefs is missing and how to mount it" \
		grep -q "tracefs, which is not mounted (mount -t tracefs" <<<"$(dq '.checks.tracepoint.detail')"
fi
# the bundled kernel patches' events: reported as the kernel's BTF has them (bpftool as the oracle)
btf=$(bpftool btf dump file /sys/kernel/btf/vmlinux format raw 2>/dev/null)
want=false; grep -q "STRUCT 'trace_event_raw_file_release_unreported_wb_err'" <<<"$btf" && want=true
expect_eq "patch 0001's release event reported as present=$want" $want \
	"$(dq '.checks["file_release_unreported_wb_err"].ok')"
want=false
awk "/^\\[/ { in_set = /STRUCT 'trace_event_raw_filemap_set_wb_err'/; next } in_set" <<<"$btf" |
	grep -q "'new_errseq'" && want=true
expect_eq "patch 0002's new_errseq field reported as present=$want" $want \
	"$(dq '.checks["filemap_set_wb_err.new_errseq"].ok')"
# --hooks=auto: the kernel's own release event where it has it (the matrix's
# patched guest), else fentry where the kernel loads it (the stock guests),
# else the tracepoint path (the CI kernel)
want=${WBW_EXPECT_HOOKS:-tracepoint}
expect_eq "a watch would use raw_tp, iter passes and $want hooks" "raw_tp iter $want" \
	"$(dq '"\(.would_use.tp_mode) \(.would_use.lifetime) \(.would_use.hooks)"')"
# the patched guest's kernel is built with ftrace trampolines: fentry loads there too
fentry_ok=false; [ "$want" != tracepoint ] && fentry_ok=true
expect_eq "fentry/__fput reported as usable=$fentry_ok" $fentry_ok "$(dq '.checks["fentry/__fput"].ok')"
# XFS's and btrfs's fsync results: fexit, where a watch uses fentry hooks and
# the filesystem is in the kernel (built in, or its module loaded: the
# guests load both at boot; the patched guest's kernel has neither)
for f in xfs:xfs_file_fsync btrfs:btrfs_sync_file; do
	fs=${f%%:*} fn=${f#*:} ok=false
	[ "$want" = fentry ] && grep -qw "$fs" /proc/filesystems && ok=true
	expect_eq "fexit/$fn reported as usable=$ok" $ok "$(dq ".checks[\"fexit/$fn\"].ok")"
done
expect_eq "no fix needed" null "$(dq .fix)"
# the same in text
"$WBW" doctor >"$WORK/d.txt" 2>&1
expect "text names each check" grep -q "^  iter/task_file  *ok" "$WORK/d.txt"
expect "text says what a watch would use" grep -q "^a watch would use raw_tp programs, and $want hooks.*; run: works; scan: works$" "$WORK/d.txt"
# --hooks=fentry where the kernel refuses it: exit 6 and why; where it
# loads, the watch says it uses it
if [ "$want" = tracepoint ]; then
	"$WBW" --hooks fentry --duration 0 >/dev/null 2>"$WORK/f.err"
	expect_eq "--hooks=fentry exits 6 on a kernel that refuses fentry" 6 "$?"
	expect "it says what refused and what to use" grep -q "refused a fentry program on __fput.*--hooks=tracepoint" "$WORK/f.err"
else
	"$WBW" --hooks fentry --duration 0 >/dev/null 2>"$WORK/f.err"
	expect_eq "--hooks=fentry runs where fentry loads" 0 "$?"
	expect "and says it uses fentry hooks" grep -q "raw_tp programs, fentry hooks" "$WORK/f.err"
fi
# --hooks=kernel: only on a kernel with the bundled patch's event
"$WBW" --hooks kernel --duration 0 >/dev/null 2>"$WORK/k.err"
rc=$?
if [ "$want" = kernel ]; then
	expect_eq "--hooks=kernel runs where the kernel has the event" 0 "$rc"
	expect "and says it uses kernel hooks" grep -q "raw_tp programs, kernel hooks" "$WORK/k.err"
else
	expect_eq "--hooks=kernel exits 6 on a kernel without the event" 6 "$rc"
	expect "it names the missing event and the patch" \
		grep -q "no filemap:file_release_unreported_wb_err event.*patches/0001" "$WORK/k.err"
fi
# no privilege: the watch's exit status and the fix
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$WBW" doctor --json \
	>"$WORK/d.json" 2>"$WORK/d.err"
expect_eq "unprivileged doctor exits 3 like a watch" 3 "$?"
expect "it names the capabilities" grep -q "CAP_BPF and CAP_PERFMON" "$WORK/d.err"
expect_eq "and says so in JSON" 3 "$(dq .exit_status)"
finish

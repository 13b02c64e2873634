#!/usr/bin/env bash
# syncfs(2) tells its caller the filesystem's latest error through the
# superblock (sb->s_wb_err and the file's f_sb_err), without either filemap
# tracepoint.  A process told so has been told: its files are REPORTED via
# syncfs, not UNREPORTED; another process's file on the same error is not;
# an error told only by a syncfs is not UNSEEN; sync(2) tells nobody.
# Each scenario's data is written back by its own call, one after another:
# a syncfs writes back the whole filesystem.
source "$(dirname "$0")/lib.sh"

make_fixture --errno
# --listen: the live tracked-files gauge says when a pass has listed files
port=$((20000 + $$ % 20000))
watch_start --json --dev "$FX_DEV" --listen "$port"
fixture_fail
M=$FX_MNT

# wait_tracked: until the watcher tracks a due file (the live gauge)
wait_tracked() {
	local n
	for _ in $(seq 200); do
		n=$(curl -s --max-time 3 "http://127.0.0.1:$port/metrics" |
			sed -n 's/^wberrwatch_tracked_files //p')
		[ "${n:-0}" -ge 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# wait_io NAME OP: until wbw-io run NAME has reported OP
wait_io() {
	for _ in $(seq 400); do
		[ "$(ioq "$1" "[.[] | select(.op == \"$2\")] | length")" -ge 1 ] && return 0
		sleep 0.05
	done
	return 1
}

# A: P holds F and a directory fd D; Q holds its own open file on F.
# P's syncfs(D) writes F back, which fails, and returns the error; then
# both close without fsync.
io_bg pa "open f $M/a w" "stat f" "write f 1" "open d $M r" "stat d" "wait $WORK/goa" \
	"syncfs d" "wait $WORK/enda" "close f" "close d"
io_bg qa "open g $M/a w" "stat g" "wait $WORK/enda" "close g"
wait_io pa stat && wait_io qa stat || bail "scenario A did not start"
for _ in $(seq 100); do [ "$(ioq pa '[.[] | select(.op == "stat")] | length')" = 2 ] && break; sleep 0.05; done
touch "$WORK/goa"
wait_io pa syncfs || bail "A: syncfs did not return"
wait_json '.type == "verdict" and .fs_path == "/a" and .told_via == "syncfs"' ||
	not_ok "A: no verdict via syncfs"
# the error's first pass lists every file then open on it: once Q's (due
# until it is closed) is tracked, P's was listed too
wait_tracked || not_ok "A: no pass listed the open files"
touch "$WORK/enda"
wait "$IO_pa" "$IO_qa"
wait_json '.type == "verdict" and .fs_path == "/a" and .verdict == "unreported"' ||
	not_ok "A: no verdict on Q's file"

# B: write, close, then syncfs in the same process: no file was open when
# the error hit, and the syncfs told its caller
"$IO" "open f $M/b w" "write f 1" "close f" "open d $M r" "stat d" "syncfs d" "close d" \
	>"$WORK/pb.json"
wait_json '.type == "verdict" and .fs_path == "/b"' || not_ok "B: no verdict"

# C: sync(2) in the process that holds the file tells it nothing; the
# error reaches `sync -f` (coreutils: syncfs on a new fd) afterwards
io_bg pc "open f $M/c w" "stat f" "write f 1" "sync" "wait $WORK/endc" "close f"
wait_io pc sync || bail "C: sync(2) did not return"
wait_tracked || not_ok "C: no pass listed the open file"
touch "$WORK/endc"
wait "$IO_pc"
wait_json '.type == "verdict" and .fs_path == "/c"' || not_ok "C: no verdict"
sync -f "$M" 2>"$WORK/sync-f.err" &
SYNCF=$!
wait "$SYNCF"
SYNCF_RC=$?
wait_json '.type == "verdict" and .fs_path == "/c" and .told_via == "syncfs"' ||
	not_ok "C: no verdict for sync -f"
sleep 0.3
watch_stop INT
expect_eq "watcher exits 0" 0 "$WRC"

pa=$(ioq pa '.[0].pid')
qa=$(ioq qa '.[0].pid')
pa_f=$(ioq pa '[.[] | select(.op == "stat")][0].fdnum')
pa_d=$(ioq pa '[.[] | select(.op == "stat")][1].fdnum')
qa_g=$(ioq qa '.[] | select(.op == "stat") | .fdnum')
# A
expect_eq "A: syncfs returned $FX_ERRNO" "$FX_ERRNO" "$(ioq pa '.[] | select(.op == "syncfs") | .errno_name')"
expect_eq "A: three verdicts: P's directory fd and file, Q's file" \
	"$(printf '%s\n' "reported syncfs $pa $pa_d" "reported syncfs $pa $pa_f" "unreported null $qa $qa_g" |
		LC_ALL=C sort | paste -sd'|')" \
	"$(vq /a '.[] | "\(.verdict) \(.told_via) \(.holder.pid) \(.holder.fd)"' | LC_ALL=C sort | paste -sd'|')"
expect_eq "A: each syncfs verdict names the call: fd and what it returned" \
	"$pa_d $FX_ERRNO|$pa_d $FX_ERRNO" \
	"$(vq /a '[.[] | select(.told_via == "syncfs") | "\(.syncfs.fd) \(.syncfs.errno_name)"] | join("|")')"
expect_eq "A: the verdict on the directory fd is about the fd syncfs was called on" 1 \
	"$(vq /a '[.[] | select(.told_via == "syncfs" and .file == .syncfs.file)] | length')"
expect_eq "A: Q's file released by Q's close" "close $qa" \
	"$(vq /a '.[] | select(.verdict == "unreported") | "\(.released_by.how) \(.released_by.pid)"')"
expect_eq "A: the errno of the error" "$FX_ERRNO" "$(vq /a '[.[].errno_name] | unique | join(",")')"
expect_eq "A: P's close is no release of an unreported file" 0 \
	"$(vq /a "[.[] | select(.verdict == \"unreported\" and .holder.pid == $pa)] | length")"
# B
pb=$(ioq pb '.[0].pid')
expect_eq "B: syncfs returned $FX_ERRNO" "$FX_ERRNO" "$(ioq pb '.[] | select(.op == "syncfs") | .errno_name')"
expect_eq "B: one verdict, REPORTED via syncfs to the caller on its directory fd" \
	"reported syncfs $pb $(ioq pb '.[] | select(.op == "stat") | .fdnum')" \
	"$(vq /b '[.[] | "\(.verdict) \(.told_via) \(.holder.pid) \(.syncfs.fd)"] | join("|")')"
expect_eq "B: A's error was not news to B's directory fd" 0 \
	"$(vq /a "[.[] | select(.holder.pid == $pb)] | length")"
# C
pc=$(ioq pc '.[0].pid')
expect_eq "C: sync(2) returns nothing to tell" 0 "$(ioq pc '.[] | select(.op == "sync") | .ret')"
# (P's UNREPORTED is final once P exited, which may come after sync -f's report)
expect_eq "C: sync(2) told nobody: P's file UNREPORTED, and sync -f was told" \
	"reported syncfs sync|unreported $pc close" \
	"$(vq /c '[.[] | "\(.verdict) \(if .verdict == "reported" then .told_via else .holder.pid end) \(if .verdict == "reported" then .holder.comm else .released_by.how end)"] | sort | join("|")')"
expect "C: sync -f failed (its syncfs returned the error)" [ "$SYNCF_RC" -ne 0 ]
expect_eq "C: sync -f was told only C's error" 0 \
	"$(wq '[.[] | select(.type == "verdict" and .holder.comm == "sync" and .fs_path != "/c")] | length')"
expect_eq "no error UNSEEN or SUPERSEDED" 0 \
	"$(wq '[.[] | select(.type == "verdict" and (.verdict == "unseen" or .verdict == "superseded"))] | length')"
expect_eq "the summary counts what was printed" \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "reported")] | length')" \
	"$(wq '.[] | select(.type == "summary") | [.verdicts.reported[]] | add')"
finish

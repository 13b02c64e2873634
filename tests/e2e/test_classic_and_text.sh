#!/usr/bin/env bash
# The classic-tracepoint programs on the same real fault: the kernel's set
# event only carries the value before the set, so the errno is learned from
# the burst's second event; no inode pointer, so the error has no path until
# a file observes it.  Then the human-readable output for the same fault.
# On a kernel with patches/0002 the classic program reads the event's own
# new_errseq and err instead (the same values, known from the first event).
source "$(dirname "$0")/lib.sh"

# the errno this kernel's loop driver gives the fixture's failure (6.1: EIO);
# the probe that measures it fails a file of its own (errseq is per mapping)
make_fixture --errno
case $FX_ERRNO in ENOSPC) num=28 ;; EIO) num=5 ;; esac
hex=$(printf '0x%x' "$num")

# Without tracefs (a private mount namespace without it, as a fresh host or
# a container is; the host's mounts do not change): every mode but classic
# works, and classic says which hook failed and what it needs.
no_tracefs() {
	unshare --mount --propagation private bash -c '
		for m in /sys/kernel/debug/tracing /sys/kernel/tracing /sys/kernel/debug; do
			while mountpoint -q "$m"; do umount -l "$m" || exit 99; done
		done
		exec "$@"' no_tracefs "$@"
}
no_tracefs "$WBW" --tp-mode classic --duration 0 >/dev/null 2>"$WORK/classic.err"
expect_eq "no tracefs: --tp-mode classic exits 1" 1 "$?"
expect "no tracefs: it names the hook and says to mount tracefs" grep -q \
	"cannot attach tracepoint/filemap/filemap_set_wb_err: classic tracepoint programs need tracefs, which is not mounted (mount -t tracefs" \
	"$WORK/classic.err"
for mode in raw btf; do
	no_tracefs "$WBW" --tp-mode $mode --duration 0 >/dev/null 2>"$WORK/nt.err"
	expect_eq "no tracefs: --tp-mode $mode watches" 0 "$?"
done
no_tracefs "$WBW" run -- true >/dev/null 2>"$WORK/nt.err"
expect_eq "no tracefs: run works (its fork hook is a raw tracepoint)" 0 "$?"
no_tracefs "$WBW" scan >/dev/null 2>"$WORK/nt.err"
expect_eq "no tracefs: scan works" 0 "$?"

# The classic programs themselves need tracefs: this watcher gets it in a
# mount namespace of its own (exec keeps its pid for watch_stop).  Its own
# mount table is the right one (WBERRWATCH_MOUNTINFO): a watcher in another
# mount namespace than PID 1's, with another root (the guests run the suite
# chrooted), would otherwise take itself for a container and read PID 1's.
WBW_HOST=$WBW
WBW=$WORK/with-tracefs
printf '%s\n' '#!/bin/sh' \
	"exec env WBERRWATCH_MOUNTINFO=/proc/self/mountinfo unshare --mount --propagation private sh -c 'mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing; exec \"\$0\" \"\$@\"' \"$WBW_HOST\" \"\$@\"" \
	>"$WBW"
chmod +x "$WBW"
watch_start --json --dev "$FX_DEV" --tp-mode classic
WBW=$WBW_HOST
fixture_fail
"$IO" "open a $FX_MNT/f1 w" "stat a" "write a 16" "fsync a" "close a" >"$WORK/io.json"
watch_stop TERM
pid=$(jq -rs '.[0].pid' "$WORK/io.json")
ino=$(jq -rs '.[] | select(.op == "stat") | .ino' "$WORK/io.json")

expect_eq "watcher exits 0 on SIGTERM" 0 "$WRC"
expect_eq "classic programs in use" tracepoint "$(wq '.[] | select(.type == "start") | .tp_mode')"
expect_eq "one writeback error" 1 "$(wq '[.[] | select(.type == "wb_error")] | length')"
err='.[] | select(.type == "wb_error")'
expect_eq "errno learned from the burst" "$FX_ERRNO" "$(wq "$err | .errno_name")"
expect_eq "errseq learned from the burst" "$num" "$(wq "$err | .errseq")"
expect_eq "inode" "$ino" "$(wq "$err | .ino")"
expect_eq "classic programs name no writer" null "$(wq "$err | .writer")"
expect_eq "no mapping identity from the classic event" null "$(wq "$err | .mapping")"
expect_eq "observation from the writer" "$pid" "$(wq '.[] | select(.type == "observe") | .process.pid')"
expect_eq "observation cursor" "0 $((0x1000 + num))" \
	"$(wq '.[] | select(.type == "observe") | "\(.cursor_old) \(.cursor_new)"')"
expect_eq "observation path (from the file's own dentry)" "$FX_MNT/f1" \
	"$(wq '.[] | select(.type == "observe") | .path')"

# text output: same fault on a new file, default programs
fixture_heal
watch_start --dev "$FX_DEV" --name-writers
fixture_fail
"$IO" "open a $FX_MNT/f2 w" "stat a" "write a 16" "fsync a" "close a" >"$WORK/io2.json"
watch_stop INT
pid=$(jq -rs '.[0].pid' "$WORK/io2.json")
ino=$(jq -rs '.[] | select(.op == "stat") | .ino' "$WORK/io2.json")
expect_eq "text: header first" "TIME EVENT ERRNO DEV INODE PATH / DETAILS" "$(head -n1 "$WOUT" | tr -s ' ')"
expect "text: error line with errno, dev, inode, path and count" \
	grep -Eq "^[0-9:.]+ +wb_error +$FX_ERRNO +$FX_DEV +$ino +$FX_MNT/f2  events=[0-9]+ errseq=$hex written-by=wbw-io\[$pid\] completed-by=" "$WOUT"
expect "text: observe line names the process" \
	grep -Eq "^[0-9:.]+ +observe +$FX_ERRNO +$FX_DEV +$ino +$FX_MNT/f2  told=wbw-io\[$pid\] cursor=0x0->$(printf '0x%x' $((0x1000 + num)))$" "$WOUT"
expect "text: verdict line" \
	grep -Eq "^[0-9:.]+ +verdict +$FX_ERRNO +$FX_DEV +$ino +$FX_MNT/f2  REPORTED to wbw-io\[$pid\] \(error 1\)$" "$WOUT"
expect_eq "text: nothing but header and three lines on stdout" 4 "$(wc -l <"$WOUT")"
finish

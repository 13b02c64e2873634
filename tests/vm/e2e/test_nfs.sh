#!/usr/bin/env bash
# NFS (issue 14), in kernel-matrix guests whose kernel has nfs and nfsd
# (Debian's, as modules: tests/vm/run-guest loads them).  A folder on a
# small tmpfs is exported over loopback by the kernel's own nfsd (NFSv4
# only, configured through /proc/fs/nfsd and the export caches' channels,
# as rpc.nfsd and rpc.mountd would: no userspace NFS package is needed) and
# mounted with NFSv4.2; the tmpfs is then filled, so every WRITE the client
# sends fails on the server with ENOSPC and the client records it in the
# file's mapping (nfs_mapping_set_error -> filemap_set_wb_err).
#
# On NFS, close(2) reports: nfs4_file_flush (fs/nfs/nfs4file.c) writes the
# file back and returns filemap_check_wb_err(mapping, since), with no
# filemap tracepoint and without advancing the file's cursor.  A program
# told at close must be REPORTED (told_via "close"), never UNREPORTED; one
# whose close returned 0 while it was due, or that exited (exit_files()
# drops the flush's result), is UNREPORTED.  Each expectation is checked
# against what the program itself saw (wbw-io's return values).
source "$(dirname "$0")/../../e2e/lib.sh"

grep -qw nfsd /proc/filesystems || bail "no nfsd in this kernel (modprobe nfsd)"
grep -qw nfs4 /proc/filesystems || bail "no nfs4 in this kernel (modprobe nfsv4)"
SRV=$WORK/srv MNT=$WORK/mnt NFSD=/proc/fs/nfsd NFSD_MOUNTED=
nfs_cleanup() {
	mountpoint -q "$MNT" 2>/dev/null && umount -f -l "$MNT"
	if [ -n "$NFSD_MOUNTED" ]; then
		echo 0 >"$NFSD/threads"
		umount "$NFSD"
	fi
	mountpoint -q "$SRV" 2>/dev/null && umount -l "$SRV"
	e2e_cleanup
}
trap nfs_cleanup EXIT
mkdir -p "$SRV" "$MNT"
mount -t tmpfs -o size=4m wbw-nfs "$SRV" || bail "cannot mount the server's tmpfs"
mkdir "$SRV/export"
if ! mountpoint -q "$NFSD"; then
	mount -t nfsd nfsd "$NFSD" || bail "cannot mount the nfsd filesystem"
	NFSD_MOUNTED=1
fi
# no delegations (nfsd takes them as leases): with a write delegation
# nfs4_file_flush only starts the writeback and close(2) returns before the
# server answers, which is another test
echo 0 >/proc/sys/fs/leases-enable
# the export caches, filled as rpc.mountd would answer their upcalls:
# 127.0.0.1 is client "wbw"; it may mount $SRV/export read-write, as the
# NFSv4 root (fsid=0).  Export flags (include/uapi/linux/nfsd/export.h):
# INSECURE_PORT 0x2 | NOSUBTREECHECK 0x400 | FSID 0x2000, no root squash.
forever=2147483647
echo "nfsd 127.0.0.1 $forever wbw" >/proc/net/rpc/auth.unix.ip/channel || bail "auth.unix.ip"
echo "wbw $SRV/export $forever $((0x2 | 0x400 | 0x2000)) 65534 65534 0" \
	>/proc/net/rpc/nfsd.export/channel || bail "nfsd.export"
# fsid type 1 (FSID_NUM), fsid 0: the NFSv4 root's file handle
echo "wbw 1 \\x00000000 $forever $SRV/export" >/proc/net/rpc/nfsd.fh/channel || bail "nfsd.fh"
# NFSv4 only: no rpcbind, no mountd; the grace period at its minimum (the
# first OPEN waits for its end)
echo "-3 +4 +4.1 +4.2" >"$NFSD/versions" || bail "cannot set nfsd's versions"
echo 10 >"$NFSD/nfsv4leasetime"
echo 10 >"$NFSD/nfsv4gracetime"
echo "tcp 2049" >"$NFSD/portlist" || bail "cannot make nfsd listen on 127.0.0.1:2049"
echo 2 >"$NFSD/threads" || bail "cannot start nfsd"
# the kernel parses the options itself (no mount.nfs4 helper: -i)
mount -i -t nfs4 -o vers=4.2,addr=127.0.0.1,clientaddr=127.0.0.1,proto=tcp,port=2049,sec=sys \
	127.0.0.1:/ "$MNT" || bail "cannot mount the export over NFSv4"
DEV=$(mountpoint -d "$MNT")
# healthy: written and on the server (this waits out the grace period)
"$IO" "open a $MNT/warm w" "write a 1" "fsync a" "close a" >"$WORK/warm.json"
expect_eq "before the fault, an fsync through NFS succeeds" 0 \
	"$(ioq warm '.[] | select(.op == "fsync") | .ret')"
# the fault: the server's tmpfs full, so every WRITE fails with ENOSPC
dd if=/dev/zero of="$SRV/ballast" bs=64k 2>/dev/null
[ "$(stat -f -c %a "$SRV")" = 0 ] || bail "the server's tmpfs is not full"

watch_start --json --dev "$DEV"
# close: written, closed; close(2) is the first to hear of it
"$IO" "open a $MNT/close w" "stat a" "write a 1" "close a" >"$WORK/close.json"
wait_json '.type == "verdict" and .fs_path == "/close"' 20 || not_ok "no verdict for /close"
# fsync: told by its fsync (file_check_and_advance_wb_err, via nfs_file_fsync)
"$IO" "open a $MNT/fsync w" "stat a" "write a 1" "fsync a" "close a" >"$WORK/fsync.json"
wait_json '.type == "verdict" and .fs_path == "/fsync"' 20 || not_ok "no verdict for /fsync"
# synced and exited: their data fails in a sync(2) (which tells no one)
# while they hold the file; then synced closes (its close reports the
# unseen error: filemap_sample_wb_err gives 0 for it) and exited exits
# (exit_files() flushes too, and drops the result)
io_bg synced "open a $MNT/synced w" "stat a" "write a 1" "wait $WORK/go" "close a"
io_bg exited "open a $MNT/exited w" "stat a" "write a 1" "wait $WORK/go" "exit"
for s in synced exited; do
	for _ in $(seq 200); do [ "$(ioq $s '[.[] | select(.op == "write")] | length')" -ge 1 ] && break; sleep 0.05; done
done
sync
for p in /synced /exited; do
	wait_json ".type == \"wb_error\" and .fs_path == \"$p\"" 20 || not_ok "no wb_error for $p"
done
touch "$WORK/go"
wait "$IO_synced" "$IO_exited"
wait_json '.type == "verdict" and .fs_path == "/exited"' 20 || not_ok "no verdict for /exited"
# two: A writes and is told by its fsync; B, open on the file all along,
# closes after that: its flush samples the error already seen and returns 0
io_bg twoa "open a $MNT/two w" "write a 1" "wait $WORK/go2" "fsync a" "close a"
io_bg twob "open b $MNT/two w" "stat b" "wait $WORK/go3" "close b"
for s in twoa twob; do
	for _ in $(seq 200); do [ "$(ioq $s '[.[] | select(.op == "open")] | length')" -ge 1 ] && break; sleep 0.05; done
done
touch "$WORK/go2"
wait "$IO_twoa"
wait_json '.type == "verdict" and .fs_path == "/two" and .verdict == "reported"' 20 ||
	not_ok "no verdict for A on /two"
touch "$WORK/go3"
wait "$IO_twob"
wait_json '.type == "verdict" and .fs_path == "/two" and .verdict == "unreported"' 20 || true
watch_stop INT
expect_eq "watcher exits 0" 0 "$WRC"

ino() { ioq "$1" '.[] | select(.op == "stat") | .ino'; }
fdn() { ioq "$1" '.[] | select(.op == "stat") | .fdnum'; }
pid() { ioq "$1" '.[0].pid'; }
expect_eq "close: close(2) returned ENOSPC (the program's own view)" "-1 ENOSPC" \
	"$(ioq close '.[] | select(.op == "close") | "\(.ret) \(.errno_name)"')"
expect_eq "close: the error is ENOSPC on its inode, on the NFS mount" "ENOSPC $(ino close) $DEV" \
	"$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/close")][0] | "\(.errno_name) \(.ino) \(.dev)"')"
expect_eq "close: one verdict, REPORTED via close to the closer's pid and fd" \
	"reported close $(pid close) $(fdn close) ENOSPC $(ino close)" \
	"$(vq_all /close 'map("\(.verdict) \(.told_via) \(.holder.pid) \(.holder.fd) \(.errno_name) \(.ino)") | join(",")')"
expect_eq "fsync: fsync returned ENOSPC, close 0" "ENOSPC 0" \
	"$(ioq fsync '"\(.[] | select(.op == "fsync") | .errno_name) \(.[] | select(.op == "close") | .ret)"')"
expect_eq "fsync: one verdict, REPORTED via its check" \
	"reported check $(pid fsync) $(fdn fsync) ENOSPC $(ino fsync)" \
	"$(vq_all /fsync 'map("\(.verdict) \(.told_via) \(.holder.pid) \(.holder.fd) \(.errno_name) \(.ino)") | join(",")')"
expect_eq "synced: close(2) returned ENOSPC after a sync(2) that told no one" "-1 ENOSPC" \
	"$(ioq synced '.[] | select(.op == "close") | "\(.ret) \(.errno_name)"')"
expect_eq "synced: one verdict, REPORTED via close" \
	"reported close $(pid synced) $(fdn synced) ENOSPC $(ino synced)" \
	"$(vq_all /synced 'map("\(.verdict) \(.told_via) \(.holder.pid) \(.holder.fd) \(.errno_name) \(.ino)") | join(",")')"
expect_eq "exited: UNREPORTED, released by its exit (the flush's error went nowhere)" \
	"unreported $(pid exited) $(fdn exited) exit $(pid exited) ENOSPC $(ino exited)" \
	"$(vq /exited '.[] | "\(.verdict) \(.holder.pid) \(.holder.fd) \(.released_by.how) \(.released_by.pid) \(.errno_name) \(.ino)"')"
expect_eq "two: A's fsync returned ENOSPC, B's close 0" "ENOSPC 0" \
	"$(ioq twoa '.[] | select(.op == "fsync") | .errno_name') $(ioq twob '.[] | select(.op == "close") | .ret')"
expect_eq "two: A REPORTED via its check, B UNREPORTED released by its close" \
	"reported check $(pid twoa),unreported $(pid twob) $(fdn twob) close $(pid twob)" \
	"$(vq /two 'map(if .verdict == "reported" then "\(.verdict) \(.told_via) \(.holder.pid)" else "\(.verdict) \(.holder.pid) \(.holder.fd) \(.released_by.how) \(.released_by.pid)" end) | join(",")')"
expect_eq "no file told at close is UNREPORTED, provisionally either" "" \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "unreported" and (.fs_path == "/close" or .fs_path == "/synced"))] | map(.fs_path) | join(",")')"
expect_eq "nothing lost" 0 "$(wq '.[] | select(.type == "summary") | .lost.total')"
finish

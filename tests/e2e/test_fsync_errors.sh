#!/usr/bin/env bash
# Every failed fsync is recorded, whether its error came from the file's
# writeback errseq or not.  ext4 (no journal) fails an fsync on its own when
# the inode cannot be written: a file created after the disk failed, whose
# inode lands in an inode-table block nothing wrote before (a hole in the
# full tmpfs), gets EIO from fsync with no data and no writeback error of
# the file at all.  A file whose data fails gets ENOSPC/EIO from its errseq.
source "$(dirname "$0")/lib.sh"

make_fixture
M=$FX_MNT
# fill the inode-table blocks mkfs wrote (inodes 1-16 share one 4 KiB block
# with the root and lost+found): the next inode is the first of a block
# that was never written, so writing it fails once the disk does
n=0
while :; do
	: >"$M/pre$n"
	ino=$(stat -c %i "$M/pre$n")
	n=$((n + 1))
	[ $((ino % 16)) = 0 ] && break
	[ "$n" -lt 200 ] || bail "no inode-table block boundary after 200 files"
done
sync
watch_start --json --mount "$M"
fixture_fail
"$IO" "open a $M/meta w" "stat a" "fsync a" "close a" >"$WORK/meta.json"
"$IO" "open a $M/data w" "stat a" "writek a 8" "fsync a" "close a" >"$WORK/data.json"
for f in meta data; do
	wait_json ".type == \"fsync_error\" and .fs_path == \"/$f\"" 5 || not_ok "no fsync_error for /$f"
done
watch_stop INT

echo "# /meta is inode $(ioq meta '.[] | select(.op == "stat") | .ino'), after pre$((n - 1)) at $ino"
expect_eq "/meta: its fsync failed (EIO: the inode could not be written)" EIO \
	"$(ioq meta '.[] | select(.op == "fsync") | .errno_name')"
expect_eq "/meta: no writeback error of the file, and no check told it" "0 0" \
	"$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/meta")] | length') $(wq '[.[] | select(.type == "observe" and .fs_path == "/meta")] | length')"
expect_eq "/meta: one fsync_error, not from errseq, naming the process, fd and inode" \
	"false null EIO fsync $(ioq meta '.[0].pid') wbw-io $(ioq meta '.[] | select(.op == "stat") | "\(.fdnum) \(.ino)"')" \
	"$(wq '[.[] | select(.type == "fsync_error" and .fs_path == "/meta")] | map("\(.errseq) \(.error_id) \(.errno_name) \(.call) \(.process.pid) \(.process.comm) \(.fd) \(.ino)") | join(",")')"
expect_eq "/data: its fsync failed with the writeback error" "$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/data")][0].errno_name')" \
	"$(ioq data '.[] | select(.op == "fsync") | .errno_name')"
expect_eq "/data: one fsync_error, from errseq, linked to its error" \
	"true $(wq '[.[] | select(.type == "wb_error" and .fs_path == "/data")][0].id') $(ioq data '.[0].pid') $(ioq data '.[] | select(.op == "stat") | .fdnum')" \
	"$(wq '[.[] | select(.type == "fsync_error" and .fs_path == "/data")] | map("\(.errseq) \(.error_id) \(.process.pid) \(.fd)") | join(",")')"
expect_eq "summary: one failed fsync of each kind" '{"errseq":1,"other":1}' \
	"$(wq '.[] | select(.type == "summary") | .failed_fsyncs' | jq -c .)"
finish

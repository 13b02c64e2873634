#!/usr/bin/env bash
# Every failed fsync is recorded, whether its error came from the file's
# writeback errseq or not.  ext4 (no journal) fails an fsync on its own when
# the inode cannot be written: a file created after the disk failed, whose
# inode lands in an inode-table block nothing wrote before (a hole in the
# full tmpfs), gets EIO from fsync with no data and no writeback error of
# the file at all.  A file whose data fails gets ENOSPC/EIO from its errseq.
source "$(dirname "$0")/lib.sh"

make_fixture
M=$FX_MNT FS=$FX_FS
# /meta is ext4's own failure (ext4_fsync_nojournal writing the inode);
# XFS and btrfs (WBW_FS) log metadata and fail differently: /data alone there
if [ "$FS" = ext4 ]; then
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
fi
sync
watch_start --json --mount "$M"
fixture_fail
[ "$FS" = ext4 ] && "$IO" "open a $M/meta w" "stat a" "fsync a" "close a" >"$WORK/meta.json"
"$IO" "open a $M/data w" "stat a" "writek a 8" "fsync a" "close a" >"$WORK/data.json"
# failed fsyncs are seen where what the filesystem's fsync returns is: ext4
# always, XFS and btrfs with fentry hooks (fexit on xfs_file_fsync,
# btrfs_sync_file); the start record says which
seen=$(wq ".[] | select(.type == \"start\") | .fsync_results.$FS")
[ "$FS" = ext4 ] && expect_eq "ext4: its fsync results are seen (ext4_sync_file_exit)" true "$seen"
echo "# $FS: fsync results seen: $seen $(wq ".[] | select(.type == \"start\") | .fsync_results_missing.$FS // empty")"
wait_json ".type == \"wb_error\" and .fs_path == \"/data\"" 5 || not_ok "no wb_error for /data"
if [ "$FS" = ext4 ]; then files="meta data"; elif [ "$seen" = true ]; then files=data; else files=; fi
for f in $files; do
	wait_json ".type == \"fsync_error\" and .fs_path == \"/$f\"" 5 || not_ok "no fsync_error for /$f"
done
watch_stop INT

if [ "$FS" = ext4 ]; then
	echo "# /meta is inode $(ioq meta '.[] | select(.op == "stat") | .ino'), after pre$((n - 1)) at $ino"
	expect_eq "/meta: its fsync failed (EIO: the inode could not be written)" EIO \
		"$(ioq meta '.[] | select(.op == "fsync") | .errno_name')"
	expect_eq "/meta: no writeback error of the file, and no check told it" "0 0" \
		"$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/meta")] | length') $(wq '[.[] | select(.type == "observe" and .fs_path == "/meta")] | length')"
	expect_eq "/meta: one fsync_error, not from errseq, naming the process, fd and inode" \
		"false null EIO fsync $(ioq meta '.[0].pid') wbw-io $(ioq meta '.[] | select(.op == "stat") | "\(.fdnum) \(.ino)"')" \
		"$(wq '[.[] | select(.type == "fsync_error" and .fs_path == "/meta")] | map("\(.errseq) \(.error_id) \(.errno_name) \(.call) \(.process.pid) \(.process.comm) \(.fd) \(.ino)") | join(",")')"
fi
expect_eq "/data: its fsync failed with the writeback error" "$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/data")][0].errno_name')" \
	"$(ioq data '.[] | select(.op == "fsync") | .errno_name')"
if [ "$seen" = true ]; then
	expect_eq "/data: one fsync_error, from errseq, linked to its error" \
		"true $(wq '[.[] | select(.type == "wb_error" and .fs_path == "/data")][0].id') $(ioq data '.[0].pid') $(ioq data '.[] | select(.op == "stat") | .fdnum')" \
		"$(wq '[.[] | select(.type == "fsync_error" and .fs_path == "/data")] | map("\(.errseq) \(.error_id) \(.process.pid) \(.fd)") | join(",")')"
else
	expect_eq "/data: no fsync_error where $FS's fsync results are not seen" 0 \
		"$(wq '[.[] | select(.type == "fsync_error")] | length')"
fi
case $FS:$seen in
ext4:true) want='{"errseq":1,"other":1}' ;;
*:true) want='{"errseq":1,"other":0}' ;;
*) want='{"errseq":0,"other":0}' ;;
esac
expect_eq "summary: failed fsyncs of each kind" "$want" \
	"$(wq '.[] | select(.type == "summary") | .failed_fsyncs' | jq -c .)"
finish

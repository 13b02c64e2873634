#!/usr/bin/env bash
# btrfs metadata writeback errors (issue 14): btrfs writes its trees through
# its btree inode (inode 1 of its own superblock, no dentry), so the error
# has no path; it is labelled as the filesystem's metadata (fs_metadata),
# as errors on a block device's own mapping are (bdev).  The fixture keeps
# no metadata range allocated here (WBW_FX_KEEP_METADATA=0), so the next
# transaction commit fails to write its tree blocks and btrfs turns
# read-only (which is why the other tests keep them).
source "$(dirname "$0")/lib.sh"

if ! command -v mkfs.btrfs >/dev/null || ! grep -qw btrfs /proc/filesystems; then
	[ "${CI:-}" = true ] && bail "btrfs cannot be made here (mkfs.btrfs, or the kernel's btrfs)"
	echo "ok 1 # SKIP no mkfs.btrfs or no btrfs in this kernel"
	finish
	exit 0
fi
FX_FS=btrfs WBW_FX_KEEP_METADATA=0
make_fixture
watch_start --json --dev "$FX_DEV"
fixture_fail
# new directories and files: the commit that follows needs new tree blocks
for i in 1 2 3 4 5; do mkdir "$FX_MNT/d$i" && echo x >"$FX_MNT/d$i/f"; done
sync
wait_json '.type == "wb_error" and .ino == 1' 10 || not_ok "no wb_error on the btree inode"
watch_stop INT
expect_eq "watcher exits 0" 0 "$WRC"
expect_eq "the btree inode's error: dev, no path, labelled as btrfs metadata, not a block device's" \
	"$FX_DEV null null btrfs btree inode" \
	"$(wq "[.[] | select(.type == \"wb_error\" and .ino == 1)][0] | \"\\(.dev) \\(.path) \\(.bdev) \\(.fs_metadata)\"")"
expect_eq "its errno is EIO (btrfs records EIO for a failed tree block)" EIO \
	"$(wq '[.[] | select(.type == "wb_error" and .ino == 1)][0] | .errno_name')"
expect "btrfs went read-only after it" grep -q " $FX_DISK btrfs ro," /proc/mounts
expect_eq "no file error is labelled so" 0 \
	"$(wq '[.[] | select(.type == "wb_error" and .ino != 1 and .fs_metadata != null)] | length')"
finish

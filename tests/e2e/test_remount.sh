#!/usr/bin/env bash
# A path belongs to the mount its error was on (issue 14).  An error hits
# /old on a filesystem; the filesystem is unmounted, a new one is made on
# the same loop device (so the same device number) and mounted elsewhere,
# and its first file, /new, takes the inode number /old had and fails too.
# Each error keeps its own path, as it was when it hit: /old's verdict,
# which comes after the new filesystem is mounted, names /old where it was
# (not null, not /new, not under the new mount point), and /new's error
# names /new where it is.
source "$(dirname "$0")/lib.sh"

make_fixture
M=$FX_MNT
watch_start --json --dev "$FX_DEV"
fixture_fail
# /old: written and closed untold; the error hits at writeback, seen by nobody
"$IO" "open a $M/old w" "writek a 64" "close a" >"$WORK/old.json"
old_ino=$(stat -c %i "$M/old")
sync # sync(2): writes back, tells no one (syncfs would tell its caller)
wait_json '.type == "wb_error" and .fs_path == "/old"' || not_ok "no wb_error for /old"
# a new filesystem on the same device, at the same place
umount "$M" || bail "cannot unmount $M"
fixture_heal
mkfs.ext4 -q -F -b 4096 -O ^has_journal -E lazy_itable_init=0,nodiscard "$FX_LO" ||
	bail "mkfs on $FX_LO failed"
M2=$FX_DIR/mnt2
mkdir "$M2"
mount -o errors=continue "$FX_LO" "$M2" || bail "cannot mount $FX_LO again"
# fixture_teardown unmounts FX_DISK: the new mount from now on
FX_DISK=$M2
expect_eq "the new filesystem has the old one's device number" "$FX_DEV" "$(mountpoint -d "$M2")"
sync -f "$M2"
fixture_fail
"$IO" "open b $M2/new w" "writek b 64" "close b" >"$WORK/new.json"
new_ino=$(stat -c %i "$M2/new")
expect_eq "/new took /old's inode number (ground truth)" "$old_ino" "$new_ino"
sync # sync(2): writes back, tells no one (syncfs would tell its caller)
wait_json '.type == "wb_error" and .fs_path == "/new"' || not_ok "no wb_error for /new"
sleep 0.5
watch_stop INT

expect_eq "/old's error keeps its full path" "$M/old" \
	"$(wq "[.[] | select(.type == \"wb_error\" and .ino == $old_ino)][0].path")"
expect_eq "/new's error names /new" "$M2/new" \
	"$(wq "[.[] | select(.type == \"wb_error\" and .fs_path == \"/new\")][0].path")"
# UNSEEN: each error once, each with its own file's path
expect_eq "/old's UNSEEN names /old" "unseen $M/old /old" \
	"$(wq "([.[] | select(.type == \"wb_error\" and .fs_path == \"/old\")][0].id) as \$id | [.[] | select(.type == \"verdict\" and .error_id == \$id)][0] | \"\(.verdict) \(.path) \(.fs_path)\"")"
expect_eq "/new's UNSEEN names /new" "unseen $M2/new /new" \
	"$(wq "([.[] | select(.type == \"wb_error\" and .fs_path == \"/new\")][0].id) as \$id | [.[] | select(.type == \"verdict\" and .error_id == \$id)][0] | \"\(.verdict) \(.path) \(.fs_path)\"")"
expect_eq "no verdict has a null path" 0 \
	"$(wq '[.[] | select(.type == "verdict" and .path == null and .bdev == null)] | length')"
finish

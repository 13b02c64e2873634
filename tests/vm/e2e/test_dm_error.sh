#!/usr/bin/env bash
# Device-mapper fault injection, as xfstests does it (kernel-matrix guests
# only: the CI kernel has no device-mapper).  ext4 without a journal on a
# dm "linear" device over a loop device; swapping in an "error" table makes
# every write fail with EIO, overwrites of blocks already on disk included
# (the tmpfs fixture cannot fail those).  Then dm-flakey's error_writes.
source "$(dirname "$0")/../../e2e/lib.sh"

for tool in dmsetup losetup mkfs.ext4; do
	command -v $tool >/dev/null || bail "$tool not found"
done
[ -e /dev/mapper/control ] || bail "no device-mapper here (/dev/mapper/control)"
DM=wbw-e2e-$$ LO= MNT=$WORK/mnt
dm_cleanup() {
	mountpoint -q "$MNT" 2>/dev/null && umount -l "$MNT"
	dmsetup remove --noudevsync "$DM" 2>/dev/null
	[ -n "$LO" ] && losetup -d "$LO" 2>/dev/null
	e2e_cleanup
}
trap dm_cleanup EXIT
truncate -s 128M "$WORK/disk.img"
LO=$(losetup -f --show "$WORK/disk.img") || bail "losetup failed"
sectors=$(blockdev --getsz "$LO")
# table TABLE: swap the device's table, as xfstests' dmerror does: without
# freezing the filesystem (a freeze would write the dirty data back first,
# through the good table) and without flushing (with the error table loaded,
# a flush fails and so would the suspend)
table() {
	dmsetup suspend --noudevsync --nolockfs --noflush "$DM" &&
		dmsetup load "$DM" --table "$1" &&
		dmsetup resume --noudevsync "$DM"
}
dmsetup create --noudevsync "$DM" --table "0 $sectors linear $LO 0" || bail "dmsetup create failed"
[ -b /dev/mapper/$DM ] || dmsetup mknodes "$DM"
mkfs.ext4 -q -F -b 4096 -O ^has_journal -E lazy_itable_init=0,nodiscard /dev/mapper/$DM ||
	bail "mkfs.ext4 failed"
mkdir "$MNT"
mount -o errors=continue /dev/mapper/$DM "$MNT" || bail "mount failed"
DEV=$(mountpoint -d "$MNT")
# written and made durable before the fault: the scenarios overwrite these blocks
for f in over told; do
	"$IO" "open a $MNT/$f w" "write a 8" "fsync a" "close a" >/dev/null
done
sync -f "$MNT"

watch_start --json --dev "$DEV"
# overwrite: closed without fsync; told: its fsync reports
io_bg over "open a $MNT/over w" "stat a" "write a 8" "wait $WORK/go" "close a"
io_bg told "open a $MNT/told w" "write a 8" "wait $WORK/go" "fsync a" "close a"
for s in over told; do
	for _ in $(seq 100); do [ "$(ioq $s '[.[] | select(.op == "write")] | length')" -ge 1 ] && break; sleep 0.05; done
done
table "0 $sectors error" || bail "cannot load the error table"
sync
for p in /over /told; do
	wait_json ".type == \"wb_error\" and .fs_path == \"$p\"" 20 || not_ok "no wb_error for $p"
done
touch "$WORK/go"
wait "$IO_over" "$IO_told"
wait_json '.type == "verdict" and .fs_path == "/over"' 10 || true
table "0 $sectors linear $LO 0" || bail "cannot load the linear table again"

# dm-flakey, error_writes: the same device, writes fail while reads work
io_bg flaky "open a $MNT/told w" "write a 8" "wait $WORK/go2" "fsync a" "close a"
for _ in $(seq 100); do [ "$(ioq flaky '[.[] | select(.op == "write")] | length')" -ge 1 ] && break; sleep 0.05; done
table "0 $sectors flakey $LO 0 0 180 1 error_writes" || bail "cannot load the flakey table"
sync
touch "$WORK/go2"
wait "$IO_flaky"
table "0 $sectors linear $LO 0"
sleep 0.3
watch_stop INT
expect_eq "watcher exits 0" 0 "$WRC"

pid=$(ioq over '.[0].pid')
expect_eq "dm-error: the overwrite's error is EIO" EIO \
	"$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/over")][0].errno_name')"
expect_eq "dm-error: overwrite closed without fsync is UNREPORTED, released by its close" \
	"unreported $pid $(ioq over '.[] | select(.op == "stat") | .fdnum') close $pid" \
	"$(vq /over '.[] | select(.verdict == "unreported") | "\(.verdict) \(.holder.pid) \(.holder.fd) \(.released_by.how) \(.released_by.pid)"')"
expect_eq "dm-error: fsync returned EIO" EIO "$(ioq told '.[] | select(.op == "fsync") | .errno_name')"
expect_eq "dm-error: REPORTED to the process whose fsync returned it" "reported $(ioq told '.[0].pid') EIO" \
	"$(vq /told '[.[] | select(.verdict == "reported")][0] | "\(.verdict) \(.holder.pid) \(.errno_name)"')"
expect_eq "dm-flakey: fsync returned EIO" EIO "$(ioq flaky '.[] | select(.op == "fsync") | .errno_name')"
expect_eq "dm-flakey: REPORTED to it" "reported $(ioq flaky '.[0].pid')" \
	"$(vq /told '[.[] | select(.verdict == "reported")][1] | "\(.verdict) \(.holder.pid)"')"
dmdev=$(printf '%d:%d' $((0x$(stat -c %t /dev/mapper/$DM))) $((0x$(stat -c %T /dev/mapper/$DM))))
expect_eq "the files' errors are on the dm device" "$dmdev" \
	"$(wq '[.[] | select(.type == "wb_error" and .bdev == null)][0].dev')"
# --dev includes the device's own (metadata) errors, labelled with it
expect_eq "the device's own errors, if any, are labelled with the dm device" "" \
	"$(wq "[.[] | select(.type == \"wb_error\" and .bdev != null and .bdev != \"$dmdev\")] | map(.bdev) | join(\",\")")"
expect_eq "nothing lost" 0 "$(wq '.[] | select(.type == "summary") | .lost.total')"
finish

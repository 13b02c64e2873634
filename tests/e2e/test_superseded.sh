#!/usr/bin/env bash
# Scenario 9: two different errors before anyone looks.  errseq keeps only
# the latest: the first (ENOSPC) is SUPERSEDED, the fsync reports the second
# (EIO) and the file is REPORTED for it.  The FUSE fault fixture gives both
# errnos.
source "$(dirname "$0")/lib.sh"

faultfs_create >"$WORK/ff.log" 2>&1 || bail "faultfs fixture: $(cat "$WORK/ff.log")"
watch_start --json
M=$FF_MNT
io_bg s "open a $M/s9 w" "write a 4" "wait $WORK/go1" "write a 4" "wait $WORK/go2" "fsync a" "close a"
sleep 0.3
for _ in $(seq 100); do [ "$(ioq s '[.[] | select(.op == "write")] | length')" = 1 ] && break; sleep 0.05; done
faultfs_fail ENOSPC
sync
wait_json '.type == "wb_error" and .errno_name == "ENOSPC"' || not_ok "no ENOSPC error"
touch "$WORK/go1"
for _ in $(seq 100); do [ "$(ioq s '[.[] | select(.op == "write")] | length')" = 2 ] && break; sleep 0.05; done
faultfs_heal
faultfs_fail EIO
sync
wait_json '.type == "wb_error" and .errno_name == "EIO"' || not_ok "no EIO error"
touch "$WORK/go2"
wait "$IO_s"
faultfs_heal
sleep 0.3
watch_stop INT
pid=$(ioq s '.[0].pid')

expect_eq "the fsync reports the latest error, EIO" EIO "$(ioq s '.[] | select(.op == "fsync") | .errno_name')"
expect_eq "two errors on the file: ENOSPC then EIO" "ENOSPC EIO" \
	"$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/s9") | .errno_name] | join(" ")')"
id1=$(wq '.[] | select(.type == "wb_error" and .fs_path == "/s9" and .errno_name == "ENOSPC") | .id')
id2=$(wq '.[] | select(.type == "wb_error" and .fs_path == "/s9" and .errno_name == "EIO") | .id')
expect_eq "the same counter, the errno replaced: errseq 0x1c then 0x5" "28 5" \
	"$(wq '[.[] | select(.type == "wb_error" and .fs_path == "/s9") | .errseq] | join(" ")')"
expect_eq "ENOSPC SUPERSEDED by the EIO error" "superseded $id2 true" \
	"$(wq ".[] | select(.type == \"verdict\" and .error_id == $id1) | \"\(.verdict) \(.superseded_by) \(.final)\"")"
expect_eq "the file REPORTED for EIO, to the writer" "reported $pid EIO" \
	"$(wq ".[] | select(.type == \"verdict\" and .error_id == $id2) | \"\(.verdict) \(.holder.pid) \(.errno_name)\"")"
expect_eq "no other verdicts on the file" 2 "$(wq '[.[] | select(.type == "verdict" and .fs_path == "/s9")] | length')"
# the failing device also fails the filesystem's metadata writes: errors on
# the block device's own mapping, which ext4 checks itself between them
bdev=$(lsblk -dno MAJ:MIN "$FF_LO" | tr -d ' ')
expect "metadata errors are labelled with the block device" \
	[ "$(wq "[.[] | select(.type == \"wb_error\" and .bdev == \"$bdev\")] | length")" -ge 1 ]
expect_eq "none of them called SUPERSEDED: ext4 checked each" 0 \
	"$(wq "[.[] | select(.type == \"verdict\" and .bdev == \"$bdev\" and .verdict == \"superseded\")] | length")"
finish

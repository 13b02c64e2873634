#!/usr/bin/env bash
# An error on a block device's own mapping (its page cache: filesystem
# metadata, or writes to the device node) is labelled with the device, not
# taken for a file: raw writes to a never-written region of the fixture's
# loop device fail like the filesystem's data does.
source "$(dirname "$0")/lib.sh"

make_fixture
lodev=$(lsblk -dno MAJ:MIN "$FX_LO" | tr -d ' ')
watch_start --json
# a second watcher on the filesystem only (--mount): the device's own
# errors are the filesystem's metadata, and it must see them too (the bdev
# inode lives on the bdev pseudo-filesystem: its i_rdev is compared)
"$WBW" --json --mount "$FX_MNT" >"$WORK/mnt.out" 2>"$WORK/mnt.err" &
w2=$!
for _ in $(seq 100); do grep -q watching "$WORK/mnt.err" && break; sleep 0.05; done
fixture_fail
# 200 MiB into the 256 MiB image: past anything mkfs or the tests wrote
"$IO" "open a $FX_LO w" "seek a 200" "write a 1" "fsync a" "close a" >"$WORK/io.json"
sleep 0.3
watch_stop INT
kill -INT $w2
wait $w2
pid=$(jq -rs '.[0].pid' "$WORK/io.json")
err="[.[] | select(.type == \"wb_error\" and .bdev == \"$lodev\")]"

expect_eq "fsync on the device returned EIO" EIO "$(jq -rs '.[] | select(.op == "fsync") | .errno_name' "$WORK/io.json")"
expect_eq "one error labelled with the block device $lodev" 1 "$(wq "$err | length")"
expect_eq "it is EIO" EIO "$(wq "$err[0].errno_name")"
expect_eq "on the bdev pseudo-filesystem (major 0), not the device's filesystem" 0 \
	"$(wq "$err[0].dev | split(\":\")[0]")"
expect_eq "no file path" null "$(wq "$err[0].path")"
expect_eq "the writer was told: REPORTED" "reported $pid" \
	"$(wq "[.[] | select(.type == \"verdict\" and .bdev == \"$lodev\")][0] | \"\(.verdict) \(.holder.pid)\"")"
expect_eq "file errors carry no bdev" 0 "$(wq '[.[] | select(.type == "wb_error" and .bdev == null and .dev == "'"$FX_DEV"'")] | length')"
expect_eq "--mount includes the device's own error: the same one error, the same verdict" \
	"1 EIO reported $pid" \
	"$(jq -rs "[.[] | select(.type == \"wb_error\" and .bdev == \"$lodev\")] as \$e | [.[] | select(.type == \"verdict\" and .bdev == \"$lodev\")][0] as \$v | \"\(\$e | length) \(\$e[0].errno_name) \(\$v.verdict) \(\$v.holder.pid)\"" "$WORK/mnt.out")"
finish

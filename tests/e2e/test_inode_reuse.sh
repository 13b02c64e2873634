#!/usr/bin/env bash
# A file deleted and a new one created at once: the new inode gets the freed
# one's number, often its struct address_space (the same memory) too, and its
# first error the same errseq value.  Each error must keep the path of its
# own file: the old file's REPORTED names /oldN, the new one's /newN (before
# the inode's generation was part of its identity, the new file's error had
# no path at all: the path cache took it for the old file's).
#
# The disk is healthy while files are deleted and created (ext4 re-reads a
# directory block whose write failed, and fails its checksum), and fails
# for each file's data: write, fsync (told, REPORTED), close.
source "$(dirname "$0")/lib.sh"

ROUNDS=${WBW_REUSE_ROUNDS:-12}
make_fixture
M=$FX_MNT
watch_start --json --mount "$M"

# write_told NAME: NAME's data fails at its fsync, which tells it
write_told() {
	fixture_fail
	taskset -c 0 "$IO" "open a $M/$1 w" "stat a" "writek a 8" "fsync a" "close a" >"$WORK/$1.json"
	fixture_heal
	wait_json ".type == \"verdict\" and .fs_path == \"/$1\"" 5 || not_ok "no verdict on /$1"
}

# gone: NAME deleted, its inode freed (after an RCU grace period) on CPU 0,
# where the next one is allocated: a slab hands out the object freed last.
# sync(2), not syncfs: it reports no error to anyone.
gone() {
	taskset -c 0 rm "$M/$1"
	sync
	sleep 0.1
}

same_ino=0 same=0
for i in $(seq "$ROUNDS"); do
	write_told "old$i"
	gone "old$i"
	write_told "new$i"
	gone "new$i"
	o=$(wq "[.[] | select(.type == \"wb_error\" and .fs_path == \"/old$i\")][0] | \"\\(.ino) \\(.mapping)\"")
	n=$(wq "[.[] | select(.type == \"wb_error\" and .fs_path == \"/new$i\")][0] | \"\\(.ino) \\(.mapping)\"")
	[ "${o% *}" = "${n% *}" ] && same_ino=$((same_ino + 1))
	[ "$o" = "$n" ] && same=$((same + 1))
	echo "# round $i: old ino+mapping $o, new $n"
done
sleep 0.5
watch_stop INT

for i in $(seq "$ROUNDS"); do
	for f in "old$i" "new$i"; do
		expect_eq "$f: told by its fsync (ENOSPC)" ENOSPC \
			"$(ioq "$f" '.[] | select(.op == "fsync") | .errno_name')"
		# (the next round's fixture_fail runs syncfs, which is told too:
		# a REPORTED via syncfs to sync, not this test's subject)
		expect_eq "$f: one REPORTED by its check, to its own process, with its own path" \
			"reported $(ioq "$f" '.[0].pid') /$f $M/$f" \
			"$(vq "/$f" 'map(select(.told_via != "syncfs") | "\(.verdict) \(.holder.pid) \(.fs_path) \(.path)") | join(",")')"
	done
done
expect_eq "every error's wb_error record has a path" 0 \
	"$(wq '[.[] | select(.type == "wb_error" and .fs_path == null)] | length')"
# ground truth: the new file took the old one's inode number (the same
# dev:ino, a new inode), which happens every round here; its struct
# address_space too only when the slab hands the freed memory out again at
# once (1 round in 8 or so here: the inode is freed after an RCU grace
# period, maybe on another CPU), which test_correlate's
# test_freed_inode_reused_with_same_mapping covers exactly
echo "# the new file had the old one's inode number in $same_ino of $ROUNDS rounds, its address_space too in $same"
expect "the new file took the old one's inode number in most rounds ($same_ino of $ROUNDS)" \
	[ "$same_ino" -ge $((ROUNDS / 2)) ]
finish

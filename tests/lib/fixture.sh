# shellcheck shell=bash
# A real writeback-error fixture without device-mapper (see shared
# kernel-facts.md, "A real writeback error"): ext4 without a journal on a loop
# device whose backing file lives on a tmpfs.  Shrinking the tmpfs to exactly
# what it uses makes every write that needs a new block in the image fail, so
# writeback of new data fails with ENOSPC; growing it heals the disk.
#
#   fixture_create        sets FX_DIR, FX_MNT (mounted ext4), FX_LO, FX_DEV (maj:min)
#   fixture_fail          from now on, writeback of new blocks fails
#   fixture_heal          writeback works again
#   fixture_teardown      unmounts and detaches only what fixture_create made
#
# fixture_create installs `trap fixture_teardown EXIT` unless the caller has
# an EXIT trap already, which must then call fixture_teardown itself.

FX_DIR= FX_MNT= FX_BACK= FX_LO= FX_DEV=
FX_TMPFS_SIZE=${FX_TMPFS_SIZE:-64M}

fixture_die() {
	echo "fixture: $*" >&2
	return 1
}

fixture_create() {
	local img
	for tool in mkfs.ext4 losetup mount umount stat truncate; do
		command -v "$tool" >/dev/null || { fixture_die "$tool not found"; return 1; }
	done
	[ -e /dev/loop-control ] || { fixture_die "no loop device support (/dev/loop-control)"; return 1; }
	FX_DIR=$(mktemp -d /tmp/wbw-fixture.XXXXXX) || return 1
	# a caller's own EXIT trap (which must call fixture_teardown) is kept
	[ -n "$(trap -p EXIT)" ] || trap fixture_teardown EXIT
	FX_BACK=$FX_DIR/back
	FX_MNT=$FX_DIR/mnt
	mkdir "$FX_BACK" "$FX_MNT"
	img=$FX_DIR/build.img
	truncate -s 256M "$img"
	# 4 KiB blocks: one failed block is one whole page.  No journal: with one,
	# ext4 aborts the journal and goes read-only instead of recording wb_err.
	mkfs.ext4 -q -F -b 4096 -O ^has_journal -E lazy_itable_init=0,nodiscard "$img" ||
		{ fixture_die "mkfs.ext4 failed"; return 1; }
	mount -t tmpfs -o "size=$FX_TMPFS_SIZE" wbw-fixture "$FX_BACK" ||
		{ fixture_die "cannot mount tmpfs"; return 1; }
	# --sparse=always: a dense copy would fill the tmpfs
	cp --sparse=always "$img" "$FX_BACK/disk.img" && rm -f "$img"
	# a little ballast: shrinking to "what is used" must never mean size=0 (unlimited)
	head -c 65536 /dev/zero >"$FX_BACK/ballast"
	FX_LO=$(losetup -f --show "$FX_BACK/disk.img") || { fixture_die "losetup failed"; return 1; }
	mount -o errors=continue "$FX_LO" "$FX_MNT" || { fixture_die "cannot mount $FX_LO"; return 1; }
	FX_DEV=$(mountpoint -d "$FX_MNT") || return 1
	sync -f "$FX_MNT"
}

fixture_fail() {
	local blocks free bsize
	# metadata written so far must reach the image before the space goes; a
	# syncfs also reports an earlier error once, which is not ours to judge
	# (nor a failure of this function, for callers under set -e)
	sync -f "$FX_MNT" 2>/dev/null || true
	sync -f "$FX_BACK"
	read -r blocks free bsize < <(stat -f -c '%b %f %S' "$FX_BACK")
	# leave zero free pages: the loop driver completes a SHORT backing write as
	# success, so even one free page could swallow data without an error
	mount -o "remount,size=$(( (blocks - free) * bsize ))" "$FX_BACK" ||
		{ fixture_die "cannot shrink the tmpfs"; return 1; }
}

fixture_heal() {
	mount -o "remount,size=$FX_TMPFS_SIZE" "$FX_BACK"
}

fixture_teardown() {
	[ -n "$FX_DIR" ] || return 0
	if [ -n "$FX_MNT" ] && mountpoint -q "$FX_MNT"; then
		umount "$FX_MNT" 2>/dev/null || umount -l "$FX_MNT"
	fi
	# only the loop device we attached, and only if it still points at our image
	if [ -n "$FX_LO" ] && losetup "$FX_LO" 2>/dev/null | grep -q "$FX_BACK/disk.img"; then
		losetup -d "$FX_LO"
	fi
	if mountpoint -q "$FX_BACK" 2>/dev/null; then
		umount "$FX_BACK" 2>/dev/null || umount -l "$FX_BACK"
	fi
	rm -rf "$FX_DIR"
	FX_DIR= FX_MNT= FX_BACK= FX_LO= FX_DEV=
}

# The FUSE-backed variant (tests/helpers/wbw-faultfs): ext4 without a
# journal on a loop device over a FUSE file whose writes fail with EIO or
# ENOSPC on demand, overwrites included (a dm-error stand-in).
#
#   faultfs_create     sets FF_DIR, FF_MNT, FF_LO, FF_DEV, FF_PID
#   faultfs_fail EIO|ENOSPC
#   faultfs_heal
#   faultfs_teardown   (callers' EXIT traps call it)
FF_DIR= FF_MNT= FF_LO= FF_DEV= FF_PID=

faultfs_create() {
	local helper=${WBW_BUILD:?}/tests/wbw-faultfs
	[ -x "$helper" ] || { fixture_die "$helper not built"; return 1; }
	[ -c /dev/fuse ] || { fixture_die "no /dev/fuse"; return 1; }
	FF_DIR=$(mktemp -d /tmp/wbw-faultfs.XXXXXX) || return 1
	mkdir "$FF_DIR/fuse" "$FF_DIR/mnt"
	FF_MNT=$FF_DIR/mnt
	truncate -s 256M "$FF_DIR/backing.img"
	mkfs.ext4 -q -F -b 4096 -O ^has_journal -E lazy_itable_init=0,nodiscard "$FF_DIR/backing.img" ||
		{ fixture_die "mkfs.ext4 failed"; return 1; }
	"$helper" "$FF_DIR/backing.img" "$FF_DIR/fuse" 2>"$FF_DIR/faultfs.log" &
	FF_PID=$!
	for _ in $(seq 100); do [ -e "$FF_DIR/fuse/disk.img" ] && break; sleep 0.05; done
	[ -e "$FF_DIR/fuse/disk.img" ] || { fixture_die "wbw-faultfs did not mount: $(cat "$FF_DIR/faultfs.log")"; return 1; }
	# direct I/O: the loop driver then goes through kiocbs and passes the
	# FUSE file's errno on (its buffered path turns every failure into EIO
	# on older kernels, 6.1 among them), so ENOSPC stays ENOSPC
	FF_LO=$(losetup -f --show --direct-io=on "$FF_DIR/fuse/disk.img") ||
		{ fixture_die "losetup failed"; return 1; }
	mount -o errors=continue "$FF_LO" "$FF_MNT" || { fixture_die "cannot mount $FF_LO"; return 1; }
	FF_DEV=$(mountpoint -d "$FF_MNT")
}

# Signal the helper and wait until it has taken the signal: two standard
# signals pending at once are delivered lowest number first, so a heal
# (SIGALRM) and a new fault (SIGUSR1) sent back to back on a slow machine
# (an emulator) would otherwise land in the wrong order.
faultfs_signal() {
	local pending
	kill "-$1" "$FF_PID" || return 1
	for _ in $(seq 500); do
		pending=$(awk '/^ShdPnd:/ { print $2 }' "/proc/$FF_PID/status" 2>/dev/null)
		[ -z "$pending" ] || [ "$((16#$pending))" = 0 ] && return 0
		sleep 0.01
	done
	fixture_die "wbw-faultfs did not take SIG$1"
}

# unlike fixture_fail, nothing is flushed first: data already dirty fails too
faultfs_fail() {
	case $1 in
	EIO) faultfs_signal USR1 ;;
	ENOSPC) faultfs_signal USR2 ;;
	*) fixture_die "faultfs_fail EIO|ENOSPC"; return 1 ;;
	esac
}

faultfs_heal() {
	faultfs_signal ALRM
}

faultfs_teardown() {
	[ -n "$FF_DIR" ] || return 0
	[ -n "$FF_PID" ] && kill -ALRM "$FF_PID" 2>/dev/null # healthy, so unmount can write
	if mountpoint -q "$FF_MNT"; then umount "$FF_MNT" 2>/dev/null || umount -l "$FF_MNT"; fi
	if [ -n "$FF_LO" ] && losetup "$FF_LO" 2>/dev/null | grep -q "$FF_DIR/fuse/disk.img"; then
		losetup -d "$FF_LO"
	fi
	if mountpoint -q "$FF_DIR/fuse"; then umount "$FF_DIR/fuse" 2>/dev/null || umount -l "$FF_DIR/fuse"; fi
	[ -n "$FF_PID" ] && { kill "$FF_PID" 2>/dev/null; wait "$FF_PID" 2>/dev/null; }
	rm -rf "$FF_DIR"
	FF_DIR= FF_MNT= FF_LO= FF_DEV= FF_PID=
}

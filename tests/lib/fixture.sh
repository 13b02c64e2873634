# shellcheck shell=bash
# A real writeback-error fixture without device-mapper (see shared
# kernel-facts.md, "A real writeback error"): a filesystem on a loop device
# whose backing file lives on a tmpfs.  Shrinking the tmpfs to exactly what it
# uses makes every write that needs a new page in the image fail, so writeback
# of new data fails with ENOSPC (or EIO: see make_fixture); growing it heals
# the disk.
#
# WBW_FS picks the filesystem, from one recipe:
#   ext4     no journal, errors=continue (with a journal ext4 aborts it and goes
#            read-only instead of recording wb_err)
#   xfs      320 MiB (mkfs.xfs's minimum is 300 MB), its 64 MiB internal log
#            (the least xfsprogs 6.1 makes), so the tmpfs is 128 MiB; the log's
#            range of the image is allocated on the tmpfs before it is shrunk,
#            so log writes keep working (a failed log write shuts XFS down),
#            and fixture_fail freezes the filesystem first, which writes its
#            metadata out: only new data fails
#   btrfs    256 MiB, single metadata and data; the superblock's and the
#            SYSTEM and METADATA chunks' ranges are allocated on the tmpfs
#            likewise (a failed metadata write turns btrfs read-only, a failed
#            data write records wb_err like the others); WBW_FX_KEEP_METADATA=0
#            leaves them out, for a test of metadata errors
#   overlay  the ext4 above holds upperdir and workdir; lowerdir is a plain
#            directory elsewhere (under FX_DIR, on /tmp); FX_MNT is the merged
#            directory, which is what tests write to
#
#   fixture_create        sets FX_DIR, FX_MNT (where tests write), FX_LO, FX_DEV
#                         (maj:min of the filesystem the errors land on, as
#                         mountinfo shows it: btrfs's superblock's), FX_FS,
#                         FX_DISK (that filesystem's mount point), FX_PREFIX (the
#                         path of FX_MNT inside it: "" or "/upper" for overlay),
#                         FX_VIEW_DEV (maj:min of FX_MNT: the overlay's, else FX_DEV)
#   fixture_fail          from now on, writeback of new blocks fails
#   fixture_heal          writeback works again
#   fixture_teardown      unmounts and detaches only what fixture_create made
#
# fixture_create installs `trap fixture_teardown EXIT` unless the caller has
# an EXIT trap already, which must then call fixture_teardown itself.

FX_DIR= FX_MNT= FX_BACK= FX_LO= FX_DEV= FX_DISK= FX_PREFIX= FX_VIEW_DEV=
FX_FS=${WBW_FS:-ext4}
FX_TMPFS_SIZE=${FX_TMPFS_SIZE:-}

fixture_die() {
	echo "fixture: $*" >&2
	return 1
}

# fixture_keep_range FILE OFFSET LENGTH: give the range tmpfs pages now, so
# that writes there still succeed once the tmpfs is shrunk (filesystem
# metadata that must not fail: a log, btrfs's trees)
fixture_keep_range() {
	fallocate -o "$2" -l "$3" "$1" || fixture_die "cannot allocate $3 bytes at $2 of $1"
}

# fixture_mkfs IMG: make FX_FS's filesystem (the data disk) on IMG
fixture_mkfs() {
	case $FX_FS in
	ext4 | overlay)
		truncate -s 256M "$1"
		# 4 KiB blocks: one failed block is one whole page
		mkfs.ext4 -q -F -b 4096 -O ^has_journal -E lazy_itable_init=0,nodiscard "$1" ;;
	xfs)
		truncate -s 320M "$1"
		mkfs.xfs -q -f -K -b size=4096 "$1" ;;
	btrfs)
		truncate -s 256M "$1"
		# (its notes about changed defaults go to stderr)
		mkfs.btrfs -q -f -K -m single -d single "$1" 2>/dev/null ;;
	esac || fixture_die "mkfs for $FX_FS failed"
}

# fixture_keep_metadata IMG: after the sparse copy, allocate the ranges of
# IMG whose writes must keep working once the tmpfs is full
fixture_keep_metadata() {
	local img=$1 v off len
	case $FX_FS in
	xfs)
		# the internal log: logstart is an XFS fsblock number (AG number in
		# the bits above agblklog, block in the AG below)
		local logstart logblocks agblocks agblklog bsize
		eval "$(xfs_db -r -c 'sb 0' -c 'p logstart logblocks agblocks agblklog blocksize' "$img" |
			sed -n 's/^\([a-z]*\) = \([0-9]*\)$/\1=\2/p' | sed 's/^blocksize=/bsize=/')"
		[ -n "${logstart:-}" ] && [ -n "${bsize:-}" ] || { fixture_die "xfs_db gave no log position"; return 1; }
		off=$(( ((logstart >> agblklog) * agblocks + (logstart & ((1 << agblklog) - 1))) * bsize ))
		fixture_keep_range "$img" "$off" $((logblocks * bsize)) ;;
	btrfs)
		# the primary superblock (first MiB) and every SYSTEM and METADATA
		# chunk's stripe (single profile: one stripe each)
		fixture_keep_range "$img" 0 1048576 || return 1
		while read -r off len; do
			fixture_keep_range "$img" "$off" "$len" || return 1
		done < <(btrfs inspect-internal dump-tree -t chunk "$img" | awk '
			/CHUNK_ITEM/ { chunk = 1; next }
			chunk && /length [0-9]/ { for (i = 1; i < NF; i++) { if ($i == "length") len = $(i + 1); if ($i == "type") type = $(i + 1) } }
			chunk && /stripe 0 devid/ { if (type ~ /SYSTEM|METADATA/) print $NF, len; chunk = 0 }')
		;;
	esac
}

fixture_create() {
	local img tools=(losetup mount umount stat truncate fallocate)
	case $FX_FS in
	ext4) tools+=(mkfs.ext4) ;;
	xfs) tools+=(mkfs.xfs xfs_db) ;;
	btrfs) tools+=(mkfs.btrfs btrfs) ;;
	overlay) tools+=(mkfs.ext4) ;;
	*) fixture_die "WBW_FS=$FX_FS: ext4, xfs, btrfs or overlay"; return 1 ;;
	esac
	for tool in "${tools[@]}"; do
		command -v "$tool" >/dev/null || { fixture_die "$tool not found (scripts/install-deps)"; return 1; }
	done
	grep -qw "$FX_FS" /proc/filesystems ||
		{ fixture_die "this kernel has no $FX_FS (/proc/filesystems)"; return 1; }
	[ -e /dev/loop-control ] || { fixture_die "no loop device support (/dev/loop-control)"; return 1; }
	# XFS's log alone is 64 MiB
	[ -n "$FX_TMPFS_SIZE" ] || { [ "$FX_FS" = xfs ] && FX_TMPFS_SIZE=128M || FX_TMPFS_SIZE=64M; }
	FX_DIR=$(mktemp -d /tmp/wbw-fixture.XXXXXX) || return 1
	# a caller's own EXIT trap (which must call fixture_teardown) is kept
	[ -n "$(trap -p EXIT)" ] || trap fixture_teardown EXIT
	FX_BACK=$FX_DIR/back
	FX_DISK=$FX_DIR/mnt
	mkdir "$FX_BACK" "$FX_DISK"
	img=$FX_DIR/build.img
	fixture_mkfs "$img" || return 1
	mount -t tmpfs -o "size=$FX_TMPFS_SIZE" wbw-fixture "$FX_BACK" ||
		{ fixture_die "cannot mount tmpfs"; return 1; }
	# --sparse=always: a dense copy would fill the tmpfs
	cp --sparse=always "$img" "$FX_BACK/disk.img" && rm -f "$img"
	# WBW_FX_KEEP_METADATA=0: metadata writes fail too (a test of metadata errors)
	if [ "${WBW_FX_KEEP_METADATA:-1}" != 0 ]; then
		fixture_keep_metadata "$FX_BACK/disk.img" || return 1
	fi
	# a little ballast: shrinking to "what is used" must never mean size=0 (unlimited)
	head -c 65536 /dev/zero >"$FX_BACK/ballast"
	FX_LO=$(losetup -f --show "$FX_BACK/disk.img") || { fixture_die "losetup failed"; return 1; }
	case $FX_FS in
	ext4 | overlay) mount -o errors=continue "$FX_LO" "$FX_DISK" ;;
	*) mount "$FX_LO" "$FX_DISK" ;;
	esac || { fixture_die "cannot mount $FX_LO ($FX_FS)"; return 1; }
	FX_DEV=$(mountpoint -d "$FX_DISK") || return 1
	FX_MNT=$FX_DISK FX_PREFIX= FX_VIEW_DEV=$FX_DEV
	if [ "$FX_FS" = overlay ]; then
		mkdir "$FX_DISK/upper" "$FX_DISK/work" "$FX_DIR/lower" "$FX_DIR/merged"
		echo lower >"$FX_DIR/lower/from-lower"
		mount -t overlay wbw-fixture-ovl \
			-o "lowerdir=$FX_DIR/lower,upperdir=$FX_DISK/upper,workdir=$FX_DISK/work" "$FX_DIR/merged" ||
			{ fixture_die "cannot mount overlay"; return 1; }
		FX_MNT=$FX_DIR/merged FX_PREFIX=/upper
		FX_VIEW_DEV=$(mountpoint -d "$FX_MNT") || return 1
	fi
	sync -f "$FX_DISK"
}

fixture_fail() {
	local blocks free bsize
	# metadata written so far must reach the image before the space goes; a
	# syncfs also reports an earlier error once, which is not ours to judge
	# (nor a failure of this function, for callers under set -e)
	sync -f "$FX_DISK" 2>/dev/null || true
	# XFS keeps written-back metadata in its AIL and btrfs in its next
	# transaction: a freeze writes all of it out now, while it can
	case $FX_FS in
	xfs | btrfs) fsfreeze -f "$FX_DISK" && fsfreeze -u "$FX_DISK" ;;
	esac
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
	if [ -n "$FX_MNT" ] && [ "$FX_MNT" != "$FX_DISK" ] && mountpoint -q "$FX_MNT"; then
		umount "$FX_MNT" 2>/dev/null || umount -l "$FX_MNT"
	fi
	if [ -n "$FX_DISK" ] && mountpoint -q "$FX_DISK"; then
		umount "$FX_DISK" 2>/dev/null || umount -l "$FX_DISK"
	fi
	# only the loop device we attached, and only if it still points at our image
	if [ -n "$FX_LO" ] && losetup "$FX_LO" 2>/dev/null | grep -q "$FX_BACK/disk.img"; then
		losetup -d "$FX_LO"
	fi
	if mountpoint -q "$FX_BACK" 2>/dev/null; then
		umount "$FX_BACK" 2>/dev/null || umount -l "$FX_BACK"
	fi
	rm -rf "$FX_DIR"
	FX_DIR= FX_MNT= FX_BACK= FX_LO= FX_DEV= FX_DISK= FX_PREFIX= FX_VIEW_DEV=
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

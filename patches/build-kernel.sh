#!/usr/bin/env bash
# Build the kernel the kernel matrix boots with the series applied: Debian's
# linux-source-6.12, tinyconfig plus patches/kernel.config, everything built
# in.  Cached: the build runs only when the series, the config, the source
# package or this script changed.
#
#   patches/build-kernel.sh        prints the kernel directory on stdout
#
# The directory looks like an unpacked kernel package to tests/vm/run-guest
# (boot/vmlinuz-VERSION, no modules) and is kept in
# $WBW_CACHE/patched-kernels/KEY; older keys are removed.
set -euo pipefail
t0=$SECONDS
step() { printf 'build-kernel: %-50s (%3ds)\n' "$1" $((SECONDS - t0)) >&2; }
die() { echo "build-kernel: FAILED: $*" >&2; exit 1; }
# shellcheck source=patches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for tool in gcc make flex bison bc pahole git xz; do
	command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps --kernel)"
done

deb=$(ksrc_deb)
options=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PATCHES_DIR/kernel.config")
key=$( { basename "$deb"; for p in $(series_patches); do cat "$PATCHES_DIR/$p"; done
	echo "$options"; cat "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
out=$CACHE/patched-kernels/$key
if [ -f "$out/done" ]; then
	step "cached: $out"
	echo "$out"
	exit 0
fi

work=$CACHE/kbuild
tree=$(ksrc_unpack "$deb" "$work")
step "unpacked $(basename "$tree") ($(basename "$deb"))"
ksrc_apply "$tree" >&2
cd "$tree"
make -s tinyconfig >/dev/null
args=()
for o in $options; do args+=(--enable "$o"); done
./scripts/config "${args[@]}" --disable DEBUG_INFO_NONE --disable MODULES
make -s olddefconfig >/dev/null
missing=()
for o in $options; do grep -q "^CONFIG_$o=y" .config || missing+=("$o"); done
[ ${#missing[@]} -eq 0 ] || die "options not =y after olddefconfig (a dependency is off): ${missing[*]}"
step "tinyconfig + $(wc -w <<<"$options") options"

make -j"$(nproc)" bzImage >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; die "make bzImage"; }
kver=$(make -s kernelrelease)
step "built $kver"

rm -rf "$CACHE/patched-kernels"/*
mkdir -p "$out/boot"
cp arch/x86/boot/bzImage "$out/boot/vmlinuz-$kver"
cp .config "$out/boot/config-$kver"
touch "$out/done"
cd /
rm -rf "$work"
echo "$out"

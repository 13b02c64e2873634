#!/usr/bin/env bash
# make kernel-patch-check: the series in patches/ applies to Debian's kernel
# source package, passes scripts/checkpatch.pl, and the objects it touches
# compile (defconfig plus tracing) without a warning.
#
#   patches/check.sh
#
# KSRC_PKG (default linux-source-6.12) names the source package; it is
# downloaded once into WBW_CACHE (default /var/cache/wberrwatch as root,
# else ~/.cache/wberrwatch).  The tree is unpacked afresh each run there,
# outside any git work tree, so `git apply` sees only the kernel's paths.
set -euo pipefail
t0=$SECONDS
step() { printf 'kernel-patch-check: %-44s (%3ds)\n' "$1" $((SECONDS - t0)); }
die() { echo "kernel-patch-check: FAILED: $*" >&2; exit 1; }
# shellcheck source=patches/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
here=$PATCHES_DIR
TOUCHED=(mm/filemap.o fs/file_table.o)

deb=$(ksrc_deb)
step "source: $(basename "$deb")"
work=$CACHE/work
tree=$(ksrc_unpack "$deb" "$work")
step "unpacked $(basename "$tree")"
ksrc_apply "$tree"
cd "$tree"

allowed=$(sed -n 's/^\([A-Z_][A-Z_]*\) .*/\1/p' "$here/checkpatch-allowed" | paste -sd, -)
for p in $(series_patches); do
	# --terse: one line per problem; a clean patch prints only its total line
	out=$(./scripts/checkpatch.pl --no-tree --terse --show-types ${allowed:+--ignore "$allowed"} \
		"$here/$p" 2>&1) || true
	if grep -qE ': (ERROR|WARNING):' <<<"$out"; then
		echo "$out" >&2
		die "checkpatch.pl on $p (a warning needs its reason in patches/checkpatch-allowed)"
	fi
	step "checkpatch.pl clean: ${p:0:34}..."
done

make -s defconfig >/dev/null
./scripts/config --enable FTRACE --enable FUNCTION_TRACER --enable BPF_SYSCALL --enable BPF_EVENTS
make -s olddefconfig >/dev/null
grep -q '^CONFIG_TRACEPOINTS=y' .config || die "the config has no CONFIG_TRACEPOINTS"
step "defconfig + FTRACE, BPF_EVENTS"

make -j"$(nproc)" "${TOUCHED[@]}" >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; die "build"; }
if grep -E 'warning:|error:' "$work/build.log" >&2; then die "compiler warnings"; fi
# the event is defined where CREATE_TRACE_POINTS is (mm/filemap.c), used by __fput()
# (nm into a file first: grep -q closing a pipe early would fail the step under pipefail)
nm mm/filemap.o >"$work/filemap.nm"
nm fs/file_table.o >"$work/file_table.nm"
grep -q ' [A-TV-Za-z] __tracepoint_file_release_unreported_wb_err$' "$work/filemap.nm" ||
	die "mm/filemap.o does not define the new tracepoint"
grep -q ' U __tracepoint_file_release_unreported_wb_err$' "$work/file_table.nm" ||
	die "fs/file_table.o does not use the new tracepoint"
step "compiled ${TOUCHED[*]}, no warnings"
echo "kernel-patch-check: ok: $(series_patches | wc -l) patches on $(basename "$tree")"

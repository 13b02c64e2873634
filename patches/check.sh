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
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KSRC_PKG=${KSRC_PKG:-linux-source-6.12}
if [ "$(id -u)" = 0 ]; then CACHE=${WBW_CACHE:-/var/cache/wberrwatch}
else CACHE=${WBW_CACHE:-$HOME/.cache/wberrwatch}; fi
TOUCHED=(mm/filemap.o fs/file_table.o)
mkdir -p "$CACHE"
t0=$SECONDS
step() { printf 'kernel-patch-check: %-44s (%3ds)\n' "$1" $((SECONDS - t0)); }
die() { echo "kernel-patch-check: FAILED: $*" >&2; exit 1; }

deb=$(ls -t "$CACHE/${KSRC_PKG}"_*.deb 2>/dev/null | head -n 1 || true)
if [ -z "$deb" ]; then
	(cd "$CACHE" && apt-get download -q "$KSRC_PKG" >/dev/null 2>&1) ||
		die "cannot download $KSRC_PKG (apt-get download; is it in the apt sources?)"
	deb=$(ls -t "$CACHE/${KSRC_PKG}"_*.deb | head -n 1)
fi
step "source: $(basename "$deb")"

work=$CACHE/work
rm -rf "$work"
mkdir -p "$work"
dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './usr/src/linux-source-*.tar.xz' |
	tar -xJ -C "$work"
tree=$(ls -d "$work"/linux-source-*)
step "unpacked $(basename "$tree")"

cd "$tree"
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	git apply --check "$here/$p" || die "$p does not apply to $(basename "$tree")"
	git apply "$here/$p"
	step "applied $p"
done <"$here/series"

allowed=$(sed -n 's/^\([A-Z_][A-Z_]*\) .*/\1/p' "$here/checkpatch-allowed" | paste -sd, -)
while read -r p; do
	case $p in ''|'#'*) continue ;; esac
	# --terse: one line per problem; a clean patch prints only its total line
	out=$(./scripts/checkpatch.pl --no-tree --terse --show-types ${allowed:+--ignore "$allowed"} \
		"$here/$p" 2>&1) || true
	if grep -qE ': (ERROR|WARNING):' <<<"$out"; then
		echo "$out" >&2
		die "checkpatch.pl on $p (a warning needs its reason in patches/checkpatch-allowed)"
	fi
	step "checkpatch.pl clean: ${p:0:30}..."
done <"$here/series"

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
echo "kernel-patch-check: ok: $(grep -cv '^#' "$here/series") patches on $(basename "$tree")"

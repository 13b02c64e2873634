# shellcheck shell=bash
# Shared by patches/check.sh (make kernel-patch-check) and
# patches/build-kernel.sh (the patched kernel the kernel matrix boots): the
# Debian kernel source package, fetched once, and the series applied to a
# fresh tree of it.
#
#   KSRC_PKG   source package (default linux-source-6.12)
#   WBW_CACHE  where it is kept (default /var/cache/wberrwatch as root,
#              else ~/.cache/wberrwatch)
PATCHES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KSRC_PKG=${KSRC_PKG:-linux-source-6.12}
if [ "$(id -u)" = 0 ]; then CACHE=${WBW_CACHE:-/var/cache/wberrwatch}
else CACHE=${WBW_CACHE:-$HOME/.cache/wberrwatch}; fi
mkdir -p "$CACHE"

# The series for this source: patches/VERSION/series where the series had
# to be rebased onto it (6.1), else patches/series (6.12).
SERIES=$PATCHES_DIR/series
[ -f "$PATCHES_DIR/${KSRC_PKG#linux-source-}/series" ] && SERIES=$PATCHES_DIR/${KSRC_PKG#linux-source-}/series

# the patch files of the series, in order, one a line, relative to patches/
series_patches() {
	sed -e '/^[[:space:]]*$/d' -e '/^#/d' "$SERIES"
}

# ksrc_deb: the source package's .deb in the cache, downloaded on first use
ksrc_deb() {
	local deb
	deb=$(ls -t "$CACHE/${KSRC_PKG}"_*.deb 2>/dev/null | head -n 1 || true)
	if [ -z "$deb" ]; then
		# as root apt cannot drop to _apt in a directory that is not its own
		(cd "$CACHE" && apt-get download -q -o APT::Sandbox::User=root "$KSRC_PKG" >/dev/null 2>&1) ||
			die "cannot download $KSRC_PKG (apt-get download; is it in the apt sources?)"
		deb=$(ls -t "$CACHE/${KSRC_PKG}"_*.deb | head -n 1)
	fi
	echo "$deb"
}

# ksrc_unpack DEB DIR: a fresh kernel tree under DIR (outside any git work
# tree, so that `git apply` sees only the kernel's paths); prints its path
ksrc_unpack() {
	rm -rf "$2"
	mkdir -p "$2"
	dpkg-deb --fsys-tarfile "$1" | tar -x -O --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$2"
	ls -d "$2"/linux-source-*
}

# ksrc_apply TREE: `git apply --check`, then apply, each patch of the series
ksrc_apply() {
	local p
	for p in $(series_patches); do
		(cd "$1" && git apply --check "$PATCHES_DIR/$p") || die "$p does not apply to $(basename "$1")"
		(cd "$1" && git apply "$PATCHES_DIR/$p")
		step "applied $p"
	done
}

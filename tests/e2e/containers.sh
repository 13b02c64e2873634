# shellcheck shell=bash
# Helpers for the container tests (sourced after lib.sh): the tools they
# need, a root filesystem with nothing pulled from a registry, a random
# container id.

# ct_need TOOL...: in CI (install-deps provides them) a missing tool fails
# the test; elsewhere it is skipped, loudly
ct_need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null && continue
		if [ "${CI:-}" = true ]; then bail "$t not found (scripts/install-deps installs it)"; fi
		echo "ok 1 # SKIP $t not found (scripts/install-deps installs it)"
		echo "1..1"
		exit 0
	done
}

# ct_rootfs DIR: busybox-static's binary and wbw-io linked statically: all a
# container here runs (nothing from a registry)
ct_rootfs() {
	local busybox
	busybox=$(command -v busybox) || bail "busybox not found (busybox-static)"
	# ldd fails on a static binary: a dynamic one would not run in the empty root
	ldd "$busybox" >/dev/null 2>&1 && bail "$busybox is not static (install busybox-static)"
	mkdir -p "$1/bin" "$1/data" "$1/ctl" "$1/proc" "$1/dev" "$1/sys" "$1/tmp"
	cp "$busybox" "$1/bin/busybox"
	ln -sf busybox "$1/bin/sh"
	${CC:-gcc} -O2 -static -o "$1/bin/wbw-io" "$E2E_DIR/../helpers/wbw-io.c" ||
		bail "cannot link wbw-io statically"
}

# 64 hex digits, as runtimes name containers
ct_id() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# ct_wait FILE JQ [SECONDS]: until FILE has a JSON line matching JQ
ct_wait() {
	for _ in $(seq $((${3:-10} * 20))); do
		[ -n "$(jq -c "select($2)" "$1" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	return 1
}

# ct_rmdir_cgroups DIR...: podman's parent cgroups this test made, with the
# conmon group podman leaves under them; a conmon still exiting keeps its
# group busy for a moment, so try for up to 2 s
ct_rmdir_cgroups() {
	local d left
	for _ in $(seq 40); do
		left=0
		for d in "$@"; do
			[ -d "$d" ] && rmdir "$d/conmon" "$d" 2>/dev/null
			[ -d "$d" ] && left=1
		done
		[ $left = 0 ] && return 0
		sleep 0.05
	done
}

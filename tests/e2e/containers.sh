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

# ct_podman_setup: PODMAN (podman with runc and the cgroupfs manager, which
# need no systemd) and made_cg, the parent cgroups podman will make that do
# not exist yet (for ct_rmdir_cgroups)
ct_podman_setup() {
	local h
	PODMAN=(podman --runtime runc --cgroup-manager=cgroupfs)
	made_cg=()
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[ -d "$h" ] && [ ! -L "$h" ] && [ ! -d "$h/libpod_parent" ] && made_cg+=("$h/libpod_parent")
	done
}

# ct_text_watcher ARGS...: a second watcher, text to $WORK/text.out (TPID),
# attached when this returns
ct_text_watcher() {
	"$WBW" "$@" >"$WORK/text.out" 2>"$WORK/text.err" &
	TPID=$!
	for _ in $(seq 200); do grep -q 'watching writeback errors' "$WORK/text.err" && break; sleep 0.05; done
	grep -q 'watching writeback errors' "$WORK/text.err" || bail "text watcher: $(cat "$WORK/text.err")"
}

# ct_fail_written JSON:N... -- FS_PATH...: fail the disk and let the writers
# go ($CTL/begin); once each JSON (a wbw-io's output) has N writes and the
# host's writer has written, fail their writeback with sync(2) and wait for
# the watcher's error on each FS_PATH
ct_fail_written() {
	local spec ok p
	fixture_fail
	touch "$CTL/begin"
	for _ in $(seq 200); do
		ok=1
		for spec in "$@"; do
			[ "$spec" = -- ] && break
			[ "$(jq -s '[.[] | select(.op == "write")] | length' "${spec%:*}" 2>/dev/null || echo 0)" \
				-ge "${spec##*:}" ] || ok=0
		done
		[ $ok = 1 ] && [ -n "$(ioq host '.[] | select(.op == "write")')" ] && break
		sleep 0.05
	done
	sync
	while [ $# -gt 0 ] && [ "$1" != -- ]; do shift; done
	shift
	for p in "$@"; do
		wait_json ".type == \"wb_error\" and .fs_path == \"$p\"" 20 || not_ok "no error on $p"
	done
}

# ct_stop_watchers: the JSON watcher (watch_stop) and the text one (TPID),
# once a lifetime pass has seen the last closes; both must exit 0
ct_stop_watchers() {
	sleep 0.5
	watch_stop
	expect_eq "json watcher exits 0" 0 "$WRC"
	kill -INT "$TPID"
	wait "$TPID"
	expect_eq "text watcher exits 0" 0 "$?"
	TPID=
}

#!/usr/bin/env bash
# How soon an error's files are first listed: the kernel's first look (a
# timer the error starts, Linux 6.7+) against the watcher's own first pass
# (WBERRWATCH_NO_KERNEL_LOOK=1), in the same run, on a host where other
# processes hold N open files (on /dev/null, at most 19,000 per process:
# the hard RLIMIT_NOFILE here is 20,000 and this never raises a limit).
#
# For each N and each side: ROUNDS errors, each on a file a process holds
# open for writing (written, then made to fail by fsync: the holder is the
# newest process, so the last the kernel's walk reaches), and the median
# of their errors' first_look_ms (whole ms); for the kernel's side also what `-v`
# says of its looks (slices of at most 1 ms of softirq time, the work one
# look took, the longest look from first slice to last).  The ratio is the
# kernel's median over the pass's.
#
#   bench/firstlook.sh BUILD_DIR [ROUNDS] [N...]     (default: 5 rounds, N = 0 100000 400000)
# Root; never mounts tracefs (run it as the tests do, without one, or with).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
rounds=${2:-5}
shift $(($# > 2 ? 2 : $#))
sizes=${*:-0 100000 400000}
here=$(cd "$(dirname "$0")" && pwd)
wbw=${WBW_BIN:-$build/wberrwatch}
io=$build/tests/wbw-io
[ -x "$io" ] || { echo "firstlook: $io not built (make $io)" >&2; exit 1; }
bin=$(mktemp -d /tmp/wbw-firstlook.XXXXXX)
gcc -O2 -Wall -Wextra -o "$bin/fdhold" "$here/fdhold.c"
source "$here/../tests/lib/fixture.sh"
HOLDERS=() WPID=
cleanup() {
	[ -n "$WPID" ] && kill -KILL "$WPID" 2>/dev/null
	for p in "${HOLDERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	fixture_teardown >/dev/null 2>&1
	rm -rf "$bin"
}
trap cleanup EXIT

hold() {
	local left=$1 k=0 t
	while [ "$left" -gt 0 ]; do
		t=$((left > 19000 ? 19000 : left))
		"$bin/fdhold" /dev/null "$t" r >"$bin/ready.$k" &
		HOLDERS+=($!)
		left=$((left - t)) k=$((k + 1))
	done
	[ "$k" -gt 0 ] || return 0
	for f in "$bin"/ready.*; do
		for _ in $(seq 600); do grep -q ready "$f" && break; sleep 0.1; done
		grep -q ready "$f" || { echo "firstlook: fdhold did not get ready" >&2; exit 1; }
	done
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "?" }'; }

# one side: ROUNDS errors under one watcher; prints "MEDIAN_MS LOOK_LINE"
side() {
	local env=$1 out=$bin/watch.out err=$bin/watch.err i
	env $env "$wbw" watch --json -v --mount "$FX_MNT" >"$out" 2>"$err" &
	WPID=$!
	for _ in $(seq 400); do grep -q watching "$err" && break; sleep 0.05; done
	for i in $(seq "$rounds"); do
		# the holder writes, waits, then its fsync fails: the error hits while it holds the file
		"$io" "open a $FX_MNT/f$i.$RANDOM w" "writek a 64" "sleep 300" "fsync a" "sleep 300" \
			"close a" >/dev/null 2>&1
	done
	sleep 0.5
	kill -INT "$WPID"
	wait "$WPID" || true
	WPID=
	jq -r 'select(.type == "wb_error" and (.fs_path // "" | startswith("/f"))) | .first_look_ms // empty' \
		"$out" | median |
		tr '\n' ' '
	sed -n 's/^wberrwatch: kernel first looks: //p' "$err"
	echo
}

fixture_create >/dev/null
fixture_fail
echo "bench: $(uname -r), $rounds errors per side, median first_look_ms of their errors"
printf '%-10s %-12s %-12s %-7s %s\n' "open files" "kernel look" "watcher pass" ratio "kernel look (-v)"
for n in $sizes; do
	hold "$n"
	read -r k klook < <(side "X=1")
	read -r p _ < <(side "WBERRWATCH_NO_KERNEL_LOOK=1")
	ratio=$(awk -v a="$k" -v b="$p" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
	printf '%-10s %-12s %-12s %-7s %s\n' "$n" "$k ms" "$p ms" "$ratio" "$klook"
	for p in "${HOLDERS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null || true
	HOLDERS=()
	rm -f "$bin"/ready.*
done

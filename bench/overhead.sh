#!/usr/bin/env bash
# What the watcher costs an open(2)+close(2) loop and a buffered-write loop
# (pinned to CPU 1), as ratios measured in pairs, back to back, so that
# drift of the machine between pairs cancels; the median of the pair ratios
# is reported.
#  - at rest: no watcher vs the watcher attached with no error pending
#    (what attaching its programs costs);
#  - writes: 4 KiB buffered writes into ext4, every page newly dirtied, no
#    watcher vs the default watcher, and vs a watcher with --name-writers
#    (its hook on writeback_mark_inode_dirty runs for every dirtied page);
#  - pending: the watcher running with an error pending and a file tracked
#    (iterator passes every 100 ms) vs the same watcher stopped with SIGSTOP
#    (what the passes cost on top of being attached).
# Needs root.
#
#   bench/overhead.sh BUILD_DIR [PAIRS] [ITERATIONS]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
pairs=${2:-11}
iters=${3:-200000}
here=$(cd "$(dirname "$0")" && pwd)
gcc -O2 -Wall -Wextra -o "$build/openclose" "$here/openclose.c"
gcc -O2 -Wall -Wextra -o "$build/writeloop" "$here/writeloop.c"
source "$here/../tests/lib/fixture.sh"
WPID= HOLDER=
cleanup() {
	if [ -n "$WPID" ]; then kill -CONT "$WPID" 2>/dev/null; kill -KILL "$WPID" 2>/dev/null; fi
	if [ -n "$HOLDER" ]; then kill -KILL "$HOLDER" 2>/dev/null; fi
	wait 2>/dev/null
	fixture_teardown
}
trap cleanup EXIT
fixture_create >/dev/null
# a tmpfs file: the cheapest open+close, so that any added cost shows
target=$FX_BACK/ballast
loop() { taskset -c 1 "$build/openclose" "$target" "$iters" 1; }
wloop() { taskset -c 1 "$build/writeloop" "$FX_MNT/wl" 16 5; }

start_watcher() {
	"$build/wberrwatch" --json --dev "$FX_DEV" "$@" >"$FX_DIR/watch.out" 2>"$FX_DIR/watch.err" &
	WPID=$!
	for _ in $(seq 200); do grep -q watching "$FX_DIR/watch.err" && return; sleep 0.05; done
	echo "watcher did not start" >&2
	exit 1
}
stop_watcher() { kill -INT "$WPID"; wait "$WPID" || true; WPID=; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.4f", a / b}'; }

rest=() pend=() wrest=() wnamed=() b_ns=() r_ns=() p_ns=() s_ns=() wb_ns=() wr_ns=() wn_ns=()
for _ in $(seq "$pairs"); do
	b=$(loop)
	wb=$(wloop)
	start_watcher
	r=$(loop)
	wr=$(wloop)
	stop_watcher
	start_watcher --name-writers
	wn=$(wloop)
	stop_watcher
	b_ns+=("$b") r_ns+=("$r") rest+=("$(ratio "$r" "$b")")
	wb_ns+=("$wb") wr_ns+=("$wr") wrest+=("$(ratio "$wr" "$wb")")
	wn_ns+=("$wn") wnamed+=("$(ratio "$wn" "$wb")")
done

start_watcher
fixture_fail
"$build/tests/wbw-io" "open a $FX_MNT/held w" "write a 8" "wait /nonexistent/never" >/dev/null 2>&1 &
HOLDER=$!
sleep 0.5
sync
for _ in $(seq 100); do grep -q '"wb_error"' "$FX_DIR/watch.out" && break; sleep 0.05; done
grep -q '"wb_error"' "$FX_DIR/watch.out" || { echo "no error pending" >&2; exit 1; }
for _ in $(seq "$pairs"); do
	p=$(loop)
	kill -STOP "$WPID"
	s=$(loop)
	kill -CONT "$WPID"
	p_ns+=("$p") s_ns+=("$s") pend+=("$(ratio "$p" "$s")")
done
kill -KILL "$HOLDER"; wait "$HOLDER" 2>/dev/null || true; HOLDER=
stop_watcher
tracked=$(jq -rs '[.[] | select(.type == "verdict" and .verdict == "unreported")] | length' "$FX_DIR/watch.out")

rr=$(median "${rest[@]}") pr=$(median "${pend[@]}") wr=$(median "${wrest[@]}") wn=$(median "${wnamed[@]}")
echo "open+close on tmpfs, $pairs pairs of ${iters} pairs each, ns per open+close (kernel $(uname -r))"
echo "  at rest:  no watcher $(median "${b_ns[@]}")  watcher $(median "${r_ns[@]}")"
echo "            pair ratios: ${rest[*]}"
echo "  writes:   no watcher $(median "${wb_ns[@]}")  watcher $(median "${wr_ns[@]}")  with --name-writers $(median "${wn_ns[@]}")  (ns per 4 KiB write)"
echo "            pair ratios: ${wrest[*]}"
echo "            --name-writers pair ratios: ${wnamed[*]}"
echo "  pending:  watcher stopped $(median "${s_ns[@]}")  watcher running $(median "${p_ns[@]}")"
echo "            pair ratios: ${pend[*]}"
echo "  (the pending file was tracked: $tracked UNREPORTED verdict(s) when its holder was killed)"
awk -v r="$rr" -v p="$pr" -v w="$wr" -v n="$wn" 'BEGIN {
	printf "  median ratio at rest:  %.3f (target <= 1.01)\n", r
	printf "  median ratio pending:  %.3f (target <= 1.05)\n", p
	printf "  median ratio writes, default watcher: %.3f (reported)\n", w
	printf "  median ratio writes, --name-writers:  %.3f (reported: the cost of the option)\n", n
	exit !(r <= 1.01 && p <= 1.05)
}' && echo "  targets: met" || { echo "  targets: NOT met"; exit 1; }

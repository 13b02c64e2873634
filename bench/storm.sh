#!/usr/bin/env bash
# An error storm (issue 15): N distinct errors on N files at once (default
# 10,000), each file held open for writing, never fsynced, by one process.
# One watcher (--hooks auto, --json, --listen); the files are written, then
# one sync(2) makes every writeback fail.  Reported: how long until the
# watcher had reported all N errors (throughput), the tracked-files metric,
# the watcher's CPU and peak RSS, records lost; then the holder is killed
# and every file must get its UNREPORTED verdict (nothing lost, or every
# loss counted: the summary's `complete`).  The storm itself is
# tests/lib/storm.sh, which tests/e2e/test_storm.sh runs at CI size.
#
#   bench/storm.sh BUILD_DIR [N] [RINGBUF_SIZE]
# RINGBUF_SIZE is the watcher's --ringbuf-size (default: its own, 2M).
# Needs root.  Takes about a minute at 10,000.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
n=${2:-10000}
rb=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
wbw=${WBW_BIN:-$build/wberrwatch}
io=$build/tests/wbw-io
port=$((20000 + ($$ + 7) % 20000))
work=$(mktemp -d /tmp/wbw-storm.XXXXXX)
source "$here/../tests/lib/fixture.sh"
source "$here/../tests/lib/storm.sh"
source "$here/lib.sh"
WPID=
cleanup() {
	if [ -n "$STORM_HOLDER" ]; then kill -KILL "$STORM_HOLDER" 2>/dev/null || true; fi
	if [ -n "$WPID" ]; then kill -KILL "$WPID" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	fixture_teardown
	rm -rf "$work"
}
trap cleanup EXIT
[ -x "$io" ] || { echo "build $io first (make $io)" >&2; exit 1; }
fixture_create >/dev/null
hz=$(getconf CLK_TCK)
"$wbw" --json --dev "$FX_DEV" ${rb:+--ringbuf-size "$rb"} --listen "127.0.0.1:$port" >"$work/watch.out" 2>"$work/watch.err" &
WPID=$!
for _ in $(seq 400); do grep -qs watching "$work/watch.err" && break; sleep 0.05; done
grep -qs watching "$work/watch.err" || { cat "$work/watch.err" >&2; exit 1; }
storm_hold "$io" "$n" "$work/io.out"
c0=$(awk '{ print $14 + $15 }' "/proc/$WPID/stat")
storm_sync
t0=$STORM_T0 t_sync=$STORM_T_SYNC
# until all are reported, or none more came for 5 s (records lost)
storm_wait "$work/watch.out" '"type":"wb_error".*"fs_path":"/storm/f' "$n" || true
errs=$STORM_COUNT
t1=$(date +%s%N)
tracked=
for _ in $(seq 100); do
	tracked=$(metric wberrwatch_tracked_files || true)
	[ "$tracked" = "$n" ] && break
	sleep 0.2
done
c1=$(awk '{ print $14 + $15 }' "/proc/$WPID/stat")
hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$WPID/status")
storm_kill
storm_wait "$work/watch.out" '"verdict":"unreported".*"fs_path":"/storm/f' "$n" || true
kill -INT "$WPID"; wait "$WPID" || true; WPID=
summary=$(grep '"type":"summary"' "$work/watch.out" | tail -n 1)
v=$(grep -c '"verdict":"unreported".*"fs_path":"/storm/f' "$work/watch.out" || true)
awk -v n="$n" -v e="$errs" -v t0="$t0" -v ts="$t_sync" -v t1="$t1" -v c="$((c1 - c0))" -v hz="$hz" \
	-v tr="$tracked" -v hwm="$hwm" -v v="$v" -v krel="$(uname -r)" -v rb="${rb:-default}" 'BEGIN {
	printf "storm: %d files, each with its own error, held open untold (kernel %s, --ringbuf-size %s)\n", n, krel, rb
	printf "  sync(2) took %.2f s; all %d errors reported %.2f s after it began: %.0f errors/s\n",
		(ts - t0) / 1e9, e, (t1 - t0) / 1e9, e / ((t1 - t0) / 1e9)
	printf "  watcher CPU meanwhile: %.2f s; peak RSS %s MiB; tracked files (metric): %s\n",
		c / hz, hwm, tr
	printf "  UNREPORTED verdicts after the holder was killed: %d of %d\n", v, n
}'
echo "  summary: lost $(jq -r '.lost.total' <<<"$summary"), files_dropped $(jq -r '.files_dropped' <<<"$summary"), complete $(jq -r '.complete' <<<"$summary")"
[ "$errs" -ge "$n" ] && [ "$tracked" = "$n" ] && [ "$v" = "$n" ] && [ "$(jq -r '.complete' <<<"$summary")" = true ]

#!/usr/bin/env bash
# What a pending error costs the watcher as the host grows (issue 15).
#
# One error pending on a file whose descriptors are held open, never
# fsynced (so they stay due to be told), while other processes hold many
# open files (on /dev/null): the watcher's CPU time (user + system from
# /proc/PID/stat, which includes the iterator passes it reads: a BPF task
# iterator runs in its reader's context) per second of wall time, the
# host's busy time per second with and without the watcher, the watcher's
# peak RSS (VmHWM), and wberrwatch_tracked_files as /metrics says while it
# runs.  Then the holders are killed and the UNREPORTED verdicts counted:
# every due descriptor gets one final UNREPORTED (records the ring buffer
# could not take, exits of 19,000-descriptor holders, are counted).
#
#  - host: 0, 100k and 400k files open elsewhere, one due descriptor;
#  - tracked: 1k, 10k, 50k and 100k due descriptors of one file.
# Descriptors are spread over processes of at most 19,000 each: the hard
# RLIMIT_NOFILE here is 20,000 and this never raises a limit.
# Also: how long one pass over every open file takes (`wberrwatch scan`
# does one), which is what the first look at a new error costs.
#
#   bench/scale.sh BUILD_DIR [SECONDS] [SCENARIOS]
#   SCENARIOS: space-separated host:N or tracked:N (default: all seven)
# Needs root.  WBW_HOOKS chooses --hooks (default auto).
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
secs=${2:-10}
scenarios=${3:-"host:0 host:100000 host:400000 tracked:1000 tracked:10000 tracked:50000 tracked:100000"}
here=$(cd "$(dirname "$0")" && pwd)
hooks=${WBW_HOOKS:-auto}
wbw=${WBW_BIN:-$build/wberrwatch}
per_proc=19000
port=$((20000 + $$ % 20000))
bin=$(mktemp -d /tmp/wbw-scale.XXXXXX)
gcc -O2 -Wall -Wextra -o "$bin/fdhold" "$here/fdhold.c"
source "$here/../tests/lib/fixture.sh"
source "$here/lib.sh"
WPID= HOLDERS=()
kill_holders() {
	local p
	for p in "${HOLDERS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${HOLDERS[@]}"; do wait "$p" 2>/dev/null || true; done
	HOLDERS=()
}
cleanup() {
	if [ -n "$WPID" ]; then kill -KILL "$WPID" 2>/dev/null || true; fi
	kill_holders
	wait 2>/dev/null || true
	fixture_teardown
	rm -rf "$bin"
}
trap cleanup EXIT
fixture_create >/dev/null
hz=$(getconf CLK_TCK)

# hold N descriptors of PATH (mode r|w), first one writing KIB KiB, in processes of <= per_proc
hold() {
	local path=$1 n=$2 mode=$3 kib=${4:-} k=0 left=$2 take pid
	while [ "$left" -gt 0 ]; do
		take=$(( left < per_proc ? left : per_proc ))
		rm -f "$bin/ready"
		"$bin/fdhold" "$path" "$take" "$mode" $([ $k = 0 ] && echo "$kib") >"$bin/ready" &
		pid=$!
		HOLDERS+=("$pid")
		for _ in $(seq 1200); do grep -q ready "$bin/ready" 2>/dev/null && break; sleep 0.05; done
		grep -q ready "$bin/ready" ||
			{ echo "fdhold ($take of $path, #$k) did not get ready in 60 s" >&2; exit 1; }
		left=$((left - take)) k=$((k + 1))
	done
}
# clock ticks the host's CPUs spent busy (all but idle and iowait)
host_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
proc_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ms_per_s() { awk -v t="$1" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.1f", t * 1000 / hz / s }'; }
start_watcher() {
	: >"$bin/watch.out"
	: >"$bin/watch.err"
	"$wbw" --hooks "$hooks" --json --dev "$FX_DEV" --listen "127.0.0.1:$port" \
		>"$bin/watch.out" 2>"$bin/watch.err" &
	WPID=$!
	for _ in $(seq 400); do grep -q watching "$bin/watch.err" && return; sleep 0.05; done
	echo "watcher did not start" >&2
	cat "$bin/watch.err" >&2
	exit 1
}

# one scenario: HOST other open files, DUE due descriptors; WITH=1 runs the watcher.
# Sets RESULT (not run in a subshell: the holders must stay in HOLDERS for cleanup).
n=0
RESULT=
run_one() {
	local host=$1 due=$2 with=$3 h0 h1 w0 w1 tracked= hwm= rss= verdicts= lost= look= file
	n=$((n + 1))
	file=$FX_MNT/due$n
	[ "$with" = 1 ] && start_watcher
	[ "$host" -gt 0 ] && hold /dev/null "$host" r
	fixture_fail
	hold "$file" "$due" w 8
	sync # writeback fails: the error is on the file, every descriptor due
	sleep 2 # the first look, and the passes settle
	h0=$(host_ticks)
	[ "$with" = 1 ] && w0=$(proc_ticks "$WPID")
	sleep "$secs"
	h1=$(host_ticks)
	if [ "$with" = 1 ]; then
		w1=$(proc_ticks "$WPID")
		tracked=$(metric wberrwatch_tracked_files || echo "?")
		hwm=$(awk '/^VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$WPID/status")
		rss=$(awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$WPID/status")
	fi
	kill_holders
	fixture_heal
	if [ "$with" = 1 ]; then
		# the releases reach the watcher (a pass at most a few seconds apart)
		sleep 4
		kill -INT "$WPID"; wait "$WPID" || true; WPID=
		# one final UNREPORTED per due descriptor (a provisional one may come first)
		verdicts=$(grep '"verdict":"unreported"' "$bin/watch.out" | grep -c '"final":true' || true)
		lost=$(grep '"type":"summary"' "$bin/watch.out" | jq -r '.lost.total')
		look=$(grep -m1 '"type":"verdict"' "$bin/watch.out" | jq -r '.first_look_ms')
		RESULT="$(ms_per_s $((w1 - w0)) "$secs") $(ms_per_s $((h1 - h0)) "$secs") $hwm $rss"
		RESULT+=" $tracked $verdicts $lost $look $(grep -m1 -o '[a-z]* hooks)' "$bin/watch.err" | cut -d' ' -f1)"
	else
		RESULT=$(ms_per_s $((h1 - h0)) "$secs")
	fi
}

full_pass_ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$wbw" scan --json >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

echo "scale: one error pending, its descriptors held and never fsynced; ${secs} s windows (kernel $(uname -r))"
printf '%-16s %8s %11s %11s %9s %8s %9s %11s %6s %10s %s\n' scenario "watcher" "host busy" "host busy" "peak RSS" "RSS" "tracked" "unreported" "lost" "first look" hooks
printf '%-16s %8s %11s %11s %9s %8s %9s %11s %6s %10s\n' "" "ms/s" "no watcher" "watcher" "MiB" "MiB" "(metric)" "(final)" "records" "ms"
fail=0
for s in $scenarios; do
	kind=${s%%:*} num=${s#*:}
	case $kind in
	host) host=$num due=1 ;;
	tracked) host=0 due=$num ;;
	*) echo "unknown scenario $s" >&2; exit 2 ;;
	esac
	run_one "$host" "$due" 0
	base=$RESULT
	run_one "$host" "$due" 1
	read -r wms hbusy hwm rss tracked verdicts lost look used <<<"$RESULT"
	printf '%-16s %8s %11s %11s %9s %8s %9s %11s %6s %10s %s\n' "$s" "$wms" "$base" "$hbusy" "$hwm" "$rss" \
		"$tracked" "$verdicts" "$lost" "$look" "$used"
	[ "$tracked" = "$due" ] || { echo "  tracked files: $tracked, expected $due" >&2; fail=1; }
	[ "$verdicts" = "$due" ] || { echo "  UNREPORTED verdicts: $verdicts, expected $due" >&2; fail=1; }
done
for host in 0 100000 400000; do
	hold /dev/null "$host" r
	echo "one pass over every open file (wberrwatch scan), ${host} files held elsewhere: $(full_pass_ms) ms"
	kill_holders
done
exit $fail

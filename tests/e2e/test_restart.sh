#!/usr/bin/env bash
# A daemon restarts: an error hits while a program holds its file, the
# watcher stops (SIGTERM) and a new one starts within a second, then the
# holder closes without fsync.  The new watcher finds the error older than
# itself (start-up catch-up: the pass `scan` makes) and gives the UNREPORTED.
# The same with the systemd unit's own ExecStart, run twice as systemd's
# restart would, with the unit's capabilities.
source "$(dirname "$0")/lib.sh"

make_fixture
fixture_fail
M=$FX_MNT
UNIT=$E2E_DIR/../../contrib/wberrwatch.service

# the holder writes, and keeps the file until told to close it
hold() { # NAME
	io_bg "$1" "open a $M/$1 w" "stat a" "write a 8" "wait $WORK/go_$1" "close a" "wait $WORK/end_$1"
	for _ in $(seq 100); do [ "$(ioq "$1" '[.[] | select(.op == "write")] | length')" = 1 ] && break; sleep 0.05; done
}

# 1: a plain watch, restarted
hold r1
maps_before=$(err_time_maps)
watch_start --json --mount "$M"
sync # writeback fails; nobody is told
wait_json '.type == "wb_error" and .fs_path == "/r1"' || not_ok "the first watcher saw no error on /r1"
watch_stop TERM
expect_eq "the first watcher stops cleanly on SIGTERM" 0 "$WRC"
cp "$WOUT" "$WORK/first.out"
# the new watcher must not read the first one's error times (it would
# know the error's age, which is what a restart loses: see limits.md)
watch_gone "$maps_before"
watch_start --json --mount "$M"
expect_eq "the new watcher's start record: one error older than it, on one due file" "1 1" \
	"$(wq '.[] | select(.type == "start") | "\(.catch_up.errors) \(.catch_up.files)"')"
expect "and stderr says so" grep -q "1 error older than the watch, on 1 open file still due" "$WERR"
touch "$WORK/go_r1"
wait_json '.type == "verdict" and .fs_path == "/r1"' || not_ok "no verdict on /r1 after the restart"
touch "$WORK/end_r1"
wait "$IO_r1"
sleep 0.3
watch_stop INT
pid=$(ioq r1 '.[0].pid')
ino=$(ioq r1 '.[] | select(.op == "stat") | .ino')
expect_eq "the error, marked older than the watch: inode, errno, no event seen, its path" \
	"$ino $FX_ERRNO true 0 null false $M/r1" \
	"$(wq '.[] | select(.type == "wb_error" and .fs_path == "/r1") | "\(.ino) \(.errno_name) \(.predates_watch) \(.events) \(.context) \(.hit_time_known) \(.path)"')"
expect_eq "UNREPORTED by the new watcher: holder, fd, released by its close, final" \
	"$pid $(ioq r1 '.[] | select(.op == "stat") | .fdnum') close $pid true" \
	"$(vq /r1 '.[] | select(.verdict == "unreported") | "\(.holder.pid) \(.holder.fd) \(.released_by.how) \(.released_by.pid) \(.final)"')"

# 2: the systemd unit's ExecStart, run twice, with the unit's capabilities
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
read -r -a unit_argv <<<"$exec_start"
# the unit's capabilities that this machine has at all (it may lack some,
# e.g. CAP_SYS_RESOURCE in a container): a host's systemd could not grant more
caps=
for c in $(sed -n 's/^AmbientCapabilities=//p' "$UNIT" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z'); do
	if setpriv --inh-caps="+$c" --ambient-caps="+$c" true 2>/dev/null; then caps+=${caps:+,}+$c
	else echo "# this machine cannot grant CAP_${c^^}: the unit's watcher runs without it"; fi
done
unit_watch() { # OUT: the unit's command line, our binary, metrics in $WORK
	local args=("${unit_argv[@]:1}") i
	for i in "${!args[@]}"; do
		case ${args[$i]} in /var/lib/prometheus/*) args[$i]=$WORK/unit.prom ;; esac
	done
	setpriv --inh-caps="-all,$caps" --ambient-caps="-all,$caps" --bounding-set="-all,$caps" \
		"$WBW" "${args[@]}" --json --mount "$M" >"$1" 2>"$1.err" &
	UPID=$!
	for _ in $(seq 200); do grep -q 'watching writeback errors' "$1.err" && return 0; sleep 0.05; done
	bail "the unit's ExecStart did not attach: $(cat "$1.err")"
}
hold r2
ino2=$(ioq r2 '.[] | select(.op == "stat") | .ino')
unit_watch "$WORK/unit1.out"
sync
for _ in $(seq 100); do grep -q '"fs_path":"/r2"' "$WORK/unit1.out" && break; sleep 0.05; done
kill -TERM "$UPID"; wait "$UPID"
expect_eq "the unit's watcher stops cleanly on SIGTERM" 0 "$?"
unit_watch "$WORK/unit2.out"
touch "$WORK/go_r2"
# (without CAP_SYS_PTRACE the unit's watcher may not read the holder's
# /proc/PID/fd: an old error's path can then be unknown; the inode names it)
for _ in $(seq 100); do grep -q "\"verdict\":\"unreported\".*\"ino\":$ino2," "$WORK/unit2.out" && break; sleep 0.05; done
touch "$WORK/end_r2"
wait "$IO_r2"
sleep 0.3
kill -TERM "$UPID"; wait "$UPID"
expect_eq "the unit's second watcher found the error older than it" 1 \
	"$(jq -rs '.[] | select(.type == "start") | .catch_up.errors' "$WORK/unit2.out")"
expect_eq "and gave the UNREPORTED after the restart" "unreported $(ioq r2 '.[0].pid') close" \
	"$(jq -rs "[.[] | select(.type == \"verdict\" and .ino == $ino2 and .verdict == \"unreported\")] | last | \"\\(.verdict) \\(.holder.pid) \\(.released_by.how)\"" "$WORK/unit2.out")"
expect "its metrics file was written" test -s "$WORK/unit.prom"
finish

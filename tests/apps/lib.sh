# shellcheck shell=bash
# Helpers for the real-application suite (issue 13): real programs on the
# failing-disk fixture, under a watch and under `wberrwatch run`, with strace
# as the ground truth of what each program did.  Builds on tests/e2e/lib.sh
# (TAP helpers, watch_start/watch_stop, wq, make_fixture).
#
#   traced NAME CMD...          run CMD under strace; status in RC_NAME,
#                               output in $WORK/NAME.{out,err,strace}
#   run_traced NAME [RUNOPTS] -- CMD...
#                               `wberrwatch run --report $WORK/NAME.report RUNOPTS
#                               -- strace ... CMD`; run's status in RC_NAME
#   rq NAME FILTER              jq over a run's report
#   st_* NAME ...               questions to a strace log
#   writeback                   make the kernel write everything back (sync(2):
#                               tells nobody) and let the watcher settle
set -u
APPS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/e2e/lib.sh
source "$APPS_DIR/../e2e/lib.sh"

# WBW_APPS_KEEP=DIR keeps each script's watcher output, reports, strace logs
# and program output (for FINDINGS.md and for debugging a failure)
apps_cleanup() {
	if [ -n "${WBW_APPS_KEEP:-}" ]; then
		local keep=$WBW_APPS_KEEP/$(basename "$0" .sh)
		mkdir -p "$keep" && cp -r "$WORK"/*.out "$WORK"/*.err "$WORK"/*.report "$WORK"/*.strace \
			"$WORK"/*.log "$keep"/ 2>/dev/null
	fi
	e2e_cleanup
}
trap 'service_cleanup; apps_cleanup' EXIT

# what strace records: the brief's set (files, every sync call, close, exit)
# plus the write calls, so the findings can say which descriptor wrote
STRACE_SET=%file,fsync,fdatasync,sync_file_range,syncfs,sync,close,exit_group
STRACE_SET+=,write,pwrite64,writev,pwritev,pwritev2,copy_file_range,sendfile,rename,renameat2
STRACE=(strace -f -qq -y -s 64 -e "trace=$STRACE_SET")

apps_prereq() {
	local t
	for t in strace jq "$@"; do
		command -v "$t" >/dev/null || bail "$t not installed (scripts/install-deps --apps)"
	done
}

traced() {
	local name=$1; shift
	"${STRACE[@]}" -o "$WORK/$name.strace" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	eval "RC_$name=$?"
	return "$(eval echo "\$RC_$name")"
}

run_traced() {
	local name=$1; shift
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	# strace runs inside run's tree, so the program's processes are CMD's
	"$WBW" run --report "$WORK/$name.report" "${opts[@]}" -- \
		"${STRACE[@]}" -o "$WORK/$name.strace" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
	eval "RC_$name=$?"
	return "$(eval echo "\$RC_$name")"
}

# A cgroup v2 of its own for a program, as systemd runs a
# service (or a runtime a container): one application for a watch's
# verdicts.  The cgroup is made once per script and removed at the end.
#   service_cgroup      make it (once per script, in the script's own shell)
#   "${IN_SERVICE[@]}" CMD...  run CMD in it (a command prefix: strace can run it)
SVC_CG= IN_SERVICE=()
service_cgroup() {
	[ -n "$SVC_CG" ] && return 0
	local root
	root=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
	[ -n "$root" ] || bail "no cgroup2 mount: a service's cgroup cannot be made"
	SVC_CG=$root/wbw-apps-$$
	mkdir "$SVC_CG" || bail "cannot make cgroup $SVC_CG"
	IN_SERVICE=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$SVC_CG")
}
service_cleanup() {
	[ -n "$SVC_CG" ] && [ -d "$SVC_CG" ] || return 0
	local p
	for p in $(cat "$SVC_CG/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	for _ in $(seq 50); do rmdir "$SVC_CG" 2>/dev/null && return 0; sleep 0.1; done
}

rq() { jq -rs "$2" "$WORK/$1.report" 2>/dev/null; }

# git_repo DIR: a repository with one healthy commit whose work tree files
# are then rewritten (still healthy), so that `git commit -a` alone writes
# the new objects once the disk fails
git_repo() {
	git init -q "$1"
	for i in 1 2 3; do head -c 4096 /dev/urandom >"$1/f$i"; done
	git -C "$1" add -A
	git -C "$1" -c user.name=t -c user.email=t@t.invalid commit -q -m one
	for i in 1 2 3; do head -c 3M /dev/urandom >"$1/f$i"; done
}

# watch_verdicts NAME KIND...: the watch's verdicts of those kinds on files
# under /NAME/, "verdict path comm[pid]" joined with ","
watch_verdicts() {
	local n=$1 kinds
	shift
	kinds=$(printf '"%s",' "$@")
	wq "[.[] | select(.type == \"verdict\" and (.verdict | IN(${kinds%,})) and (.fs_path // \"\" | startswith(\"/$n/\")))
	     | \"\(.verdict) \(.fs_path) \(.holder.comm)[\(.holder.pid)]\"] | join(\",\")"
}
# the run record: "tripped exit_status command_exit_status"
run_record() { rq "$1" '.[] | select(.type == "run") | "\(.tripped) \(.exit_status) \(.command_exit_status)"'; }
# a run's status is the command's unless the gate tripped (then the record's exit_status)
run_passes_status() { # NAME: ok when run exited with the command's own status, gate not tripped
	local r
	r=$(run_record "$1")
	[ -n "$r" ] && [ "${r%% *}" = false ] && [ "$(eval echo "\$RC_$1")" = "${r##* }" ]
}

# st_log NAME: the log with each "<unfinished ...>" call joined to its
# "<... NAME resumed>" line, so every call is one line
st_log() {
	awk '
	/<unfinished \.\.\.>$/ { pid = $1; sub(/ *<unfinished \.\.\.>$/, ""); pend[pid] = $0; next }
	$2 == "<..." && ($1 in pend) { line = $0; sub(/^[0-9]+ +<\.\.\. [a-z_0-9]+ resumed> */, "", line);
		print pend[$1] line; delete pend[$1]; next }
	{ print }' "$WORK/$1.strace"
}
# strace questions.  Lines look like "PID  syscall(args) = RET [ERRNO (text)]".
# st_pid_opening NAME REGEX: pids that opened, for writing, a file whose
# resolved path (strace -y) matches REGEX
st_pid_opening() {
	st_log "$1" | grep -E "open(at)?\(.*O_(WRONLY|RDWR).*= [0-9]+<[^>]*$2" |
		awk '{ print $1 }' | sort -un
}
# st_pids NAME: every pid in the log
st_pids() { awk '$1 ~ /^[0-9]+$/ { print $1 }' "$WORK/$1.strace" | sort -un; }
# st_sync_results NAME: "pid call(fd) = ret" for every fsync-like call
st_sync_results() {
	st_log "$1" | grep -E '^[0-9]+ +(fsync|fdatasync|sync_file_range|syncfs|sync)\(' |
		sed -E 's/^([0-9]+) +([a-z_]+)\(([0-9]*)[^)]*\) += (-?[0-9]+)( ([A-Z]+))?.*/\1 \2(\3) = \4 \6/' |
		sed 's/ *$//'
}
# st_failed_syncs NAME: the fsync-like calls that returned an error
st_failed_syncs() { st_sync_results "$1" | grep -E '= -1 '; }
# st_failed_sync_paths NAME: "pid path" of each fsync-like call that failed
# (the descriptor's path as strace -y resolved it)
st_failed_sync_paths() {
	st_log "$1" | grep -E '^[0-9]+ +(fsync|fdatasync|sync_file_range|syncfs)\([0-9]+<.*= -1 ' |
		sed -E 's/^([0-9]+) +[a-z_]+\([0-9]+<([^>]*)>.*/\1 \2/'
}
# st_exit NAME PID: the exit_group status of PID
st_exit() { st_log "$1" | sed -nE "s/^$2 +exit_group\(([0-9]+)\).*/\1/p" | tail -n1; }

# sync(2) tells nobody: the error stays unseen; then wait until the
# watcher has printed an error (bounded) and let its burst settle
writeback() {
	sync
	wait_json '.type == "wb_error"' "${1:-10}" || true
	sleep 0.4
}

# verdicts about an fs_path (prefix match), compact: "verdict holder/writer comm pid"
verdicts_on() {
	wq "[.[] | select(.type == \"verdict\" and ((.fs_path // \"\") | startswith(\"$1\")))
	     | \"\(.verdict) \(.holder.comm // .writer.comm // \"-\") \(.holder.pid // .writer.pid // \"-\")\"]
	     | unique | join(\",\")"
}

# timing: each script says how long it took (the suite must stay under 5 min)
APPS_T0=$SECONDS
apps_finish() {
	echo "# $(basename "$0"): $((SECONDS - APPS_T0)) s"
	finish
}

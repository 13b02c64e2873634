#!/usr/bin/env bash
# Documented exit statuses and messages, each on the real binary.
source "$(dirname "$0")/lib.sh"

run() { "$WBW" "$@" >"$WORK/out" 2>"$WORK/err"; echo $?; }

expect_eq "unknown option: status 2" 2 "$(run --bogus)"
expect "unknown option: says which, on stderr" grep -q "unknown option '--bogus'" "$WORK/err"
expect "unknown option: stdout stays empty" [ ! -s "$WORK/out" ]
expect_eq "bad --dev: status 2" 2 "$(run --dev sda)"
expect "bad --dev: explains the format" grep -q "expected MAJOR:MINOR" "$WORK/err"
expect_eq "bad value in JSON mode: status 2" 2 "$(run --json --duration forever)"
expect_eq "bad value in JSON mode: a parseable fatal record" "fatal 2" \
	"$(jq -r '"\(.type) \(.exit_status)"' "$WORK/out")"
expect_eq "--help: status 0" 0 "$(run --help)"
expect "--help lists exit statuses" grep -q "missing privilege" "$WORK/out"
expect_eq "--version: status 0" 0 "$(run --version)"
expect "--version prints the version" grep -q "^wberrwatch $(cat "$E2E_DIR/../../VERSION")" "$WORK/out"

# no privilege: an unprivileged user, with no capabilities at all
expect_eq "unprivileged: status 3" 3 \
	"$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$WBW" --duration 0 \
		>"$WORK/out" 2>"$WORK/err"; echo $?)"
expect "unprivileged: names CAP_BPF and CAP_PERFMON and suggests sudo" \
	grep -q "needs CAP_BPF and CAP_PERFMON.*sudo" "$WORK/err"
# root without the capabilities it needs (bounding set dropped)
expect_eq "root without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN: status 3" 3 \
	"$(setpriv --bounding-set=-bpf,-perfmon,-sys_admin --inh-caps=-bpf,-perfmon,-sys_admin \
		"$WBW" --duration 0 >/dev/null 2>&1; echo $?)"

expect_eq "--duration 0 attaches and exits 0" 0 "$(run --duration 0)"
expect "--duration 0 reports what it attached" grep -q "watching writeback errors (raw_tp programs, ${WBW_EXPECT_HOOKS:-tracepoint} hooks)" "$WORK/err"
# classic tracepoints need tracefs: the machine as it is decides which answer is right
if [ -d /sys/kernel/tracing/events ] || [ -d /sys/kernel/debug/tracing/events ]; then
	expect_eq "--tp-mode classic attaches (tracefs is mounted)" 0 "$(run --duration 0 --tp-mode classic)"
	expect "--tp-mode classic reports it" grep -q "(tracepoint programs, ${WBW_EXPECT_HOOKS:-tracepoint} hooks)" "$WORK/err"
else
	expect_eq "--tp-mode classic without tracefs: status 1" 1 "$(run --duration 0 --tp-mode classic)"
	expect "--tp-mode classic says tracefs is not mounted" grep -q "need tracefs, which is not mounted" "$WORK/err"
fi
expect_eq "--tp-mode btf attaches" 0 "$(run --duration 0 --tp-mode btf)"
expect "--tp-mode btf reports it" grep -q "(tp_btf programs, ${WBW_EXPECT_HOOKS:-tracepoint} hooks)" "$WORK/err"
finish

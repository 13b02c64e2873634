#!/usr/bin/env bash
# A real ENOSPC writeback error, seen through the raw_tp programs (the
# default) and the tp_btf ones: one error with the burst counted, the exact
# errno, device, inode, path and errseq; one observation per descriptor that
# fsync told.
source "$(dirname "$0")/lib.sh"

for mode in raw btf; do
expected_progs=$([ $mode = raw ] && echo raw_tp || echo tp_btf)
make_fixture
if [ $mode = raw ]; then
	watch_start --json --dev "$FX_DEV" # the default is raw_tp here
else
	watch_start --json --dev "$FX_DEV" --tp-mode btf --name-writers
fi
fixture_fail
"$IO" "open a $FX_MNT/data w" "open b $FX_MNT/data w" "stat a" "write a 16" \
	"fsync a" "sleep 300" "fsync a" "fsync b" "close a" "close b" >"$WORK/io.json"
watch_stop INT
echo "# $mode programs"

io() { jq -rs "$1" "$WORK/io.json"; }
pid=$(io '.[0].pid')
ino=$(io '.[] | select(.op == "stat") | .ino')

expect_eq "watcher exits 0 on SIGINT" 0 "$WRC"
expect_eq "first fsync on a returned ENOSPC" ENOSPC "$(io '[.[] | select(.op == "fsync")][0].errno_name')"
expect_eq "second fsync on a returned 0" 0 "$(io '[.[] | select(.op == "fsync")][1].ret')"
expect_eq "fsync on b (opened before the error) returned ENOSPC" ENOSPC \
	"$(io '[.[] | select(.op == "fsync")][2].errno_name')"

expect_eq "start record names the programs" "$expected_progs" "$(wq '.[] | select(.type == "start") | .tp_mode')"
expect_eq "start record has the filter" "$FX_DEV" "$(wq '.[] | select(.type == "start") | .filter_dev')"
expect_eq "exactly one writeback error" 1 "$(wq '[.[] | select(.type == "wb_error")] | length')"
err='.[] | select(.type == "wb_error")'
expect_eq "error errno" 28 "$(wq "$err | .errno")"
expect_eq "error errno name" ENOSPC "$(wq "$err | .errno_name")"
expect_eq "error device" "$FX_DEV" "$(wq "$err | .dev")"
expect_eq "error inode" "$ino" "$(wq "$err | .ino")"
expect_eq "error path" "$FX_MNT/data" "$(wq "$err | .path")"
expect_eq "error fs_path" "/data" "$(wq "$err | .fs_path")"
expect_eq "errseq after the set (not the tracepoint's previous value)" 28 "$(wq "$err | .errseq")"
expect_eq "the tracepoint's own field on the first event: the previous value" 0 "$(wq "$err | .event_errseq")"
events=$(wq "$err | .events")
set_events=$(wq '.[] | select(.type == "summary") | .set_events')
expect "the burst is folded: one error for $events set events" [ "$events" -gt 1 ]
expect_eq "every set event counted in the one error" "$set_events" "$events"
expect "the context is not presented as the writer" \
	[ "$(wq "$err | .context.pid")" != "$pid" ]
if [ $mode = btf ]; then
	expect_eq "--name-writers: the writer is named, the process that dirtied the file" "$pid wbw-io" \
		"$(wq "$err | \"\(.writer.pid) \(.writer.comm)\"")"
else
	expect_eq "without --name-writers no writer is named" null "$(wq "$err | .writer")"
fi
expect_eq "error id" 1 "$(wq "$err | .id")"

expect_eq "two observations (fsync a, fsync b; the second fsync a is the fast path)" 2 \
	"$(wq '[.[] | select(.type == "observe")] | length')"
for i in 0 1; do
	obs="[.[] | select(.type == \"observe\")][$i]"
	expect_eq "observation $i: pid" "$pid" "$(wq "$obs.process.pid")"
	expect_eq "observation $i: comm" wbw-io "$(wq "$obs.process.comm")"
	expect_eq "observation $i: errno" ENOSPC "$(wq "$obs.errno_name")"
	expect_eq "observation $i: old cursor" 0 "$(wq "$obs.cursor_old")"
	expect_eq "observation $i: new cursor is the error, seen (0x101c)" 4124 "$(wq "$obs.cursor_new")"
	expect_eq "observation $i: linked to the error" 1 "$(wq "$obs.error_id")"
	expect_eq "observation $i: inode" "$ino" "$(wq "$obs.ino")"
	expect_eq "observation $i: path" "$FX_MNT/data" "$(wq "$obs.path")"
	expect_eq "observation $i: opened for writing (FMODE_WRITE)" 2 "$(wq "$obs.f_mode % 4 - $obs.f_mode % 2")"
done
expect "the two observations are two open files" \
	[ "$(wq '[.[] | select(.type == "observe") | .file] | unique | length')" = 2 ]
expect_eq "the error is printed before what observed it, each told file gets its verdict" \
	"start wb_error observe verdict verdict observe verdict summary" \
	"$(wq '[.[] | select(.type != "fsync_error") | .type] | join(" ")')"
# each failed fsync is recorded too, after the check that told it, from errseq
expect_eq "each told fsync's failure: after its observation, from errseq, this error" \
	"observe fsync_error:true:1 observe fsync_error:true:1" \
	"$(wq '[.[] | select(.type == "observe" or .type == "fsync_error") | if .type == "observe" then .type else "\(.type):\(.errseq):\(.error_id)" end] | join(" ")')"
# fsync a; (0.3 s) fsync a: the second success, with nothing rewritten, is
# false.  The pause: on a watcher's first error the retry hooks attach when
# it reads the first failed I/O, usually but not surely before the fsync
# that reports it returns (an immediate retry is tested in test_verdicts).
expect_eq "a REPORTED, its immediate retry RETRIED, then b REPORTED" \
	"reported $pid,retried $pid,reported $pid" \
	"$(wq '[.[] | select(.type == "verdict") | "\(.verdict) \(.holder.pid)"] | join(",")')"
expect_eq "summary: nothing lost" 0 "$(wq '.[] | select(.type == "summary") | .lost.total')"
expect_eq "summary: complete" true "$(wq '.[] | select(.type == "summary") | .complete')"
expect "human summary on stderr" grep -q '^wberrwatch: 1 writeback error' "$WERR"
fixture_teardown
done
finish

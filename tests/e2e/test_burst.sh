#!/usr/bin/env bash
# Scenario 10: 1,000 files failing together -> exactly 1,000 errors, each
# with its verdicts, nothing lost.  One process holds them all; writeback of
# all of them fails at once (sync); it fsyncs the first 500 and closes all.
source "$(dirname "$0")/lib.sh"

N=1000
make_fixture --errno
mkdir "$FX_MNT/burst"
watch_start --json --dev "$FX_DEV"
fixture_fail
ulimit -n 4096
io_bg burst "many $N $FX_MNT/burst 16" "wait $WORK/go" "many-fsync 500" "many-close" "wait $WORK/end"
for _ in $(seq 200); do [ -n "$(ioq burst '.[] | select(.op == "many")')" ] && break; sleep 0.05; done
sync
for _ in $(seq 200); do
	[ "$(wq '[.[] | select(.type == "wb_error")] | length')" -ge $N ] && break
	sleep 0.1
done
touch "$WORK/go"
for _ in $(seq 200); do [ -n "$(ioq burst '.[] | select(.op == "many-close")')" ] && break; sleep 0.05; done
# two passes after the closes
sleep 0.5
touch "$WORK/end"
wait "$IO_burst"
watch_stop INT
pid=$(ioq burst '.[0].pid')

expect_eq "watcher exits 0" 0 "$WRC"
expect_eq "the first 500 fsyncs failed" 500 "$(ioq burst '.[] | select(.op == "many-fsync") | .failed')"
expect_eq "nothing lost" 0 "$(wq '.[] | select(.type == "summary") | .lost.total')"
expect_eq "complete" true "$(wq '.[] | select(.type == "summary") | .complete')"
# the files' errors; the directory that grew to hold them may fail too (6.1 does)
files='select(.fs_path != null and (.fs_path | startswith("/burst/f")))'
expect_eq "exactly $N errors on the files" $N "$(wq "[.[] | select(.type == \"wb_error\") | $files] | length")"
expect_eq "on $N distinct inodes" $N "$(wq "[.[] | select(.type == \"wb_error\") | $files | .ino] | unique | length")"
expect_eq "no error on anything else but their directory" "" \
	"$(wq '[.[] | select(.type == "wb_error") | .fs_path | select(. != "/burst" and (startswith("/burst/f") | not))] | unique | join(",")')"
expect_eq "all $FX_ERRNO (this kernel's errno for the fixture)" "$FX_ERRNO" "$(wq "[.[] | select(.type == \"wb_error\") | $files | .errno_name] | unique | join(\",\")")"
expect_eq "500 REPORTED to the writer" "500 $pid" \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "reported") | .holder.pid] | "\(length) \(unique | join(","))"')"
expect_eq "500 UNREPORTED, released by close, final once the writer exited" "500 close" \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "unreported" and .final) | .released_by.how] | "\(length) \(unique | join(","))"')"
expect_eq "each given provisional at the close first" 500 \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "unreported" and (.final | not))] | length')"
# f0..f499 were fsynced, f500..f999 not
expect_eq "the REPORTED ones are f0..f499" 0 \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "reported") | .fs_path | ltrimstr("/burst/f") | tonumber | select(. >= 500)] | length')"
expect_eq "the UNREPORTED ones are f500..f999" 0 \
	"$(wq '[.[] | select(.type == "verdict" and .verdict == "unreported") | .fs_path | ltrimstr("/burst/f") | tonumber | select(. < 500)] | length')"
expect_eq "one alarm per error: no UNSEEN on the files" 0 \
	"$(wq "[.[] | select(.type == \"verdict\" and .verdict == \"unseen\") | $files] | length")"
# besides the files: the directory's own error, and the device's metadata
# (--dev includes the block device's own errors), each UNSEEN
dir_unseen=$(wq '[.[] | select(.type == "verdict" and .verdict == "unseen" and (.fs_path == "/burst" or .bdev != null) and .errno_name == "'"$FX_ERRNO"'")] | length')
expect_eq "summary agrees: 500 reported, 500 unreported, none pending" "500 500 $( [ "$dir_unseen" = 0 ] && echo null || echo "$dir_unseen") 0" \
	"$(wq ".[] | select(.type == \"summary\") | \"\\(.verdicts.reported.$FX_ERRNO) \\(.verdicts.unreported.$FX_ERRNO) \\(.verdicts.unseen.$FX_ERRNO) \\(.unreported_pending)\"")"
finish

#!/usr/bin/env bash
# sqlite3: 20 MiB in one transaction, with a rollback journal and in WAL
# mode, on a database created while the disk was healthy.  The fdatasync of
# the journal (or the WAL) fails: "disk I/O error", and the CLI exits with
# SQLITE_IOERR, 10, which is also run's default gate status.  Required:
# REPORTED to sqlite3; `run` exits with the program's status and its record
# says the gate did not trip (the status is not mistaken for the gate's).
source "$(dirname "$0")/lib.sh"
apps_prereq sqlite3

make_fixture --errno
M=$FX_MNT
for ph in w r; do
	mkdir "$M/${ph}_delete" "$M/${ph}_wal"
	sqlite3 "$M/${ph}_delete/db" "PRAGMA journal_mode=DELETE; CREATE TABLE t(x);" >/dev/null
	sqlite3 "$M/${ph}_wal/db" "PRAGMA journal_mode=WAL; CREATE TABLE t(x);" >/dev/null
done
fixture_fail
watch_start --json --mount "$M" --name-writers
SQL="BEGIN; WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20)
INSERT INTO t SELECT randomblob(1048576) FROM c; COMMIT;"
CASES="delete wal"
declare -A SECS
for c in $CASES; do
	t0=$SECONDS
	traced "w_$c" sqlite3 "$M/w_$c/db" "$SQL"
	run_traced "r_$c" -- sqlite3 "$M/r_$c/db" "$SQL"
	SECS[$c]=$((SECONDS - t0))
done
writeback
sleep 0.3
watch_stop

for c in $CASES; do
	echo "# $c: ${SECS[$c]} s (watch + run)"
	for ph in w r; do
		n=${ph}_$c
		read -r told file < <(st_failed_sync_paths "$n" | head -n1)
		rel=${file#"$M"}
		echo "# $n: failed syncs: $(st_failed_syncs "$n" | tr '\n' ';') on $rel; exit $(st_exit "$n" "$told")"
		expect_eq "$n: strace: sqlite3's fdatasync failed with $FX_ERRNO" "fdatasync $FX_ERRNO" \
			"$(st_failed_syncs "$n" | head -n1 | sed -E 's/^[0-9]+ ([a-z]+)\(.*= -1 /\1 /')"
		expect_eq "$n: strace: sqlite3 exited 10 (SQLITE_IOERR)" 10 "$(st_exit "$n" "$told")"
		expect "$n: it said 'disk I/O error'" grep -q "disk I/O error" "$WORK/$n.err"
		if [ $ph = w ]; then
			expect_eq "w_$c: REPORTED to sqlite3[$told] on $rel" "reported $rel sqlite3 $told" \
				"$(wq "[.[] | select(.type == \"verdict\" and .verdict == \"reported\" and (.fs_path // \"\" | startswith(\"/$n/\")))
				        | \"\(.verdict) \(.fs_path) \(.holder.comm) \(.holder.pid)\"] | join(\",\")")"
			expect_eq "w_$c: no UNREPORTED and no RETRIED" "" "$(watch_verdicts "$n" unreported retried)"
			echo "# w_$c verdicts: $(wq "[.[] | select(.type == \"verdict\" and (.fs_path // \"\" | startswith(\"/$n/\"))) | \"\(.verdict) \(.fs_path) \(.holder.comm // .writer.comm)[\(.holder.pid // .writer.pid)]\"] | join(\", \")")"
		else
			expect_eq "r_$c: REPORTED to sqlite3 on $rel in the report" "reported $rel sqlite3 $told" \
				"$(rq "$n" '[.[] | select(.type == "verdict" and .verdict == "reported") | "\(.verdict) \(.fs_path) \(.holder.comm) \(.holder.pid)"] | join(",")')"
			expect_eq "r_$c: run record: not tripped, the command's status 10 is run's" "false 10 10" "$(run_record "$n")"
			expect_eq "r_$c: run exited 10, sqlite3's own" 10 "$(eval echo "\$RC_$n")"
			expect "r_$c: run does not say the gate failed" bash -c "! grep -q 'FAILED' '$WORK/$n.err'"
			echo "# r_$c run record: $(run_record "$n"); verdicts: $(rq "$n" '[.[] | select(.type == "verdict") | "\(.verdict) \(.fs_path) \(.holder.comm // .writer.comm)"] | join(", ")')"
		fi
	done
done
apps_finish

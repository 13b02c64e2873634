#!/usr/bin/env bash
# PostgreSQL 15, a throwaway cluster on the failing disk (pg-scenario.sh, as
# the postgres user, under `wberrwatch run --user postgres` and strace, with
# a watch on the fixture at the same time).  INSERT, then CHECKPOINT while
# the disk fails:
#   off (data_sync_retry=off, the default): the checkpointer's fsync fails,
#     it PANICs, the cluster goes down; crash recovery on the healed disk.
#     Required: REPORTED to the checkpointer; no UNREPORTED for the backends
#     killed after it; the gate does not trip (run exits 0, the scenario's).
#   on (data_sync_retry=on): the checkpoint fails with ERROR, a later
#     CHECKPOINT's fsync of the same file succeeds: the fsyncgate retry.
#     Required: RETRIED naming the checkpointer; the gate trips.
source "$(dirname "$0")/lib.sh"
PGBIN=/usr/lib/postgresql/15/bin
apps_prereq runuser psql
[ -x $PGBIN/initdb ] || bail "PostgreSQL 15 not installed (scripts/install-deps --apps)"
id postgres >/dev/null 2>&1 || bail "no postgres user"

PGT=$(mktemp -d /tmp/wbw-pg.XXXXXX)
pg_cleanup() {
	local d
	for d in "${FX_MNT:-/nonexistent}"/off "${FX_MNT:-/nonexistent}"/on; do
		[ -f "$d/postmaster.pid" ] && runuser -u postgres -- $PGBIN/pg_ctl -D "$d" -m immediate stop >/dev/null 2>&1
	done
	# a server left by a scenario killed half way: its postmaster.pid names it
	rm -rf "$PGT"
}
trap 'pg_cleanup; apps_cleanup' EXIT
chmod 755 "$PGT"
chown postgres: "$PGT"
cp "$APPS_DIR/pg-scenario.sh" "$PGT/"
t0=$SECONDS
runuser -u postgres -- $PGBIN/initdb -D "$PGT/tmpl" -A trust -U postgres -E UTF8 --locale=C --no-sync \
	>"$WORK/initdb.log" 2>&1 || bail "initdb: $(tail -n 5 "$WORK/initdb.log")"
echo "# initdb: $((SECONDS - t0)) s"

# a cluster is ~40 MiB (one 16 MiB WAL segment): a bigger backing tmpfs
FX_TMPFS_SIZE=160M
make_fixture --errno
M=$FX_MNT
chmod 711 "$WORK" "$FX_DIR" # the postgres user reaches its files
service_cgroup
watch_start --json --mount "$M" --name-writers

declare -A SECS RCS
for mode in off on; do
	t0=$SECONDS
	D=$M/$mode S=$PGT/$mode
	cp -a "$PGT/tmpl" "$D"
	# pg_logical lives off the failing disk: every checkpoint writes and
	# fsyncs pg_logical/replorigin_checkpoint.tmp, a new file, before the
	# data files, and its failed fsync PANICs whatever data_sync_retry says
	# (seen: then the data files are never fsynced by the checkpointer)
	mv "$D/pg_logical" "$PGT/logical_$mode"
	ln -s "$PGT/logical_$mode" "$D/pg_logical"
	mkdir -m 700 "$S"
	chown -R postgres: "$D" "$S"
	: >"$WORK/pg_$mode.strace"
	chown postgres "$WORK/pg_$mode.strace"
	# in a cgroup of its own, as systemd runs PostgreSQL: one application
	# for the watch, whose checkpointer and startup process are told what
	# its backends wrote and closed
	( "${IN_SERVICE[@]}" "$WBW" run --report "$WORK/pg_$mode.report" --user postgres -- \
		"${STRACE[@]}" -o "$WORK/pg_$mode.strace" bash "$PGT/pg-scenario.sh" "$D" "$S" $mode \
		>"$WORK/pg_$mode.out" 2>"$WORK/pg_$mode.err" ) &
	runner=$!
	for _ in $(seq 600); do [ -e "$S/ready1" ] || ! kill -0 $runner 2>/dev/null && break; sleep 0.05; done
	[ -e "$S/ready1" ] || bail "$mode: the cluster did not start: $(cat "$S/server.log" "$WORK/pg_$mode.err" 2>/dev/null | tail -n 5)"
	fixture_fail
	touch "$S/go1"
	for _ in $(seq 600); do [ -e "$S/ready2" ] || ! kill -0 $runner 2>/dev/null && break; sleep 0.05; done
	fixture_heal
	touch "$S/go2"
	wait $runner
	RCS[$mode]=$?
	SECS[$mode]=$((SECONDS - t0))
	cp "$S/server.log" "$WORK/pg_$mode.log" 2>/dev/null
done
writeback 1
sleep 0.3
watch_stop

for mode in off on; do
	n=pg_$mode
	ckpt=$(cat "$PGT/$mode/checkpointer.pid" 2>/dev/null)
	rel=/$mode/$(cat "$PGT/$mode/relpath" 2>/dev/null)
	echo "# $mode: ${SECS[$mode]} s; run exited ${RCS[$mode]}; checkpointer $ckpt; table $rel"
	echo "# $mode: syncs that failed: $(st_failed_sync_paths "$n" | sed "s#$M##" | tr '\n' ';')"
	echo "# $mode: server log: $(grep -E 'PANIC|ERROR|could not|redo|interrupted' "$WORK/$n.log" | cut -c1-160 | tr '\n' '|')"
	echo "# $mode: watch verdicts: $(wq "[.[] | select(.type == \"verdict\" and (.fs_path // \"\" | startswith(\"/$mode/\"))) | \"\(.verdict) \(.fs_path) \(.holder.comm // .writer.comm)[\(.holder.pid // .writer.pid)]\(if .released_by then \" released_by=\(.released_by.how)/\(.released_by.pid)\" else \"\" end)\"] | join(\", \")")"
	echo "# $mode: run record: $(run_record "$n"); report verdicts: $(rq "$n" '[.[] | select(.type == "verdict") | "\(.verdict) \(.fs_path) \(.holder.comm // .writer.comm)[\(.holder.pid // .writer.pid)]"] | join(", ")')"
	# the files whose fsync by the checkpointer failed (the first one PANICs with off)
	cfail=$(st_failed_sync_paths "$n" | awk -v p="$ckpt" '$1 == p { print $2 }' | sed "s#^$M##" | sort -u | tr '\n' ' ')
	first=$(st_failed_sync_paths "$n" | awk -v p="$ckpt" '$1 == p { print $2; exit }' | sed "s#^$M##")
	expect "$mode: ground truth: a fsync by the checkpointer ($ckpt) failed with $FX_ERRNO (first: $first)" \
		grep -qE "^$ckpt +fsync\([0-9]+<$M$first>\) += -1 $FX_ERRNO" <(st_log "$n")
	expect "$mode: ground truth: the failed files are the table's ($rel*)" \
		bash -c "[ -n '$cfail' ] && for f in $cfail; do [[ \$f == $rel* ]] || exit 1; done"
	if [ $mode = off ]; then
		expect "off: ground truth: the checkpointer PANICked on ${first#/off/}" \
			grep -q "\[$ckpt\] PANIC:  could not fsync file \"${first#/off/}\"" "$WORK/$n.log"
		expect_eq "off: the scenario (crash recovery, rows back, clean stop) exited 0" 0 \
			"$(rq "$n" '.[] | select(.type == "run") | .command_exit_status')"
		expect_eq "off: watch: REPORTED to the checkpointer postgres[$ckpt] on $first" "reported postgres $ckpt" \
			"$(wq "[.[] | select(.type == \"verdict\" and .verdict == \"reported\" and .fs_path == \"$first\" and .holder.pid == ${ckpt:-0}) | \"\(.verdict) \(.holder.comm) \(.holder.pid)\"] | unique | join(\",\")")"
		expect_eq "off: watch: no UNREPORTED (final) for the processes killed by the PANIC" "" \
			"$(wq "[.[] | select(.type == \"verdict\" and .verdict == \"unreported\" and .final and (.fs_path // \"\" | startswith(\"/off/\"))) | \"\(.fs_path) \(.holder.comm)[\(.holder.pid)]\"] | unique | join(\",\")")"
		expect "off: watch: their releases of $rel were handed over to the recovery's check" \
			jq -se "any(.[]; .type == \"verdict\" and .verdict == \"reported\" and .told_via == \"handover\" and .fs_path == \"$rel\")" "$WOUT"
		expect_eq "off: run: REPORTED to the checkpointer in the report" "reported postgres $ckpt" \
			"$(rq "$n" "[.[] | select(.type == \"verdict\" and .verdict == \"reported\" and .fs_path == \"$first\" and .holder.pid == ${ckpt:-0}) | \"\(.verdict) \(.holder.comm) \(.holder.pid)\"] | unique | join(\",\")")"
		expect_eq "off: run: no UNREPORTED (final) in the report" "" \
			"$(rq "$n" '[.[] | select(.type == "verdict" and .verdict == "unreported" and .final) | "\(.fs_path) \(.holder.comm)[\(.holder.pid)]"] | unique | join(",")')"
		expect_eq "off: run: the gate does not trip; run exits 0, the scenario's status" "false 0 0 0" \
			"$(run_record "$n") ${RCS[off]}"
	else
		echo "# on: checkpoints until one succeeded: $(cat "$PGT/on/checkpoint2.attempts" 2>/dev/null)"
		expect "on: ground truth: the checkpoints failed with ERROR, not PANIC" \
			bash -c "grep -q 'ERROR:  could not fsync file' '$WORK/$n.log' && ! grep -q PANIC '$WORK/$n.log'"
		for f in $cfail; do
			expect "on: ground truth: a later fsync of $f by the checkpointer returned 0" \
				grep -qE "^$ckpt +fsync\([0-9]+<$M$f>\) += 0" <(st_log "$n")
			expect_eq "on: watch: RETRIED naming the checkpointer postgres[$ckpt] on $f" "retried postgres $ckpt" \
				"$(wq "[.[] | select(.type == \"verdict\" and .verdict == \"retried\" and .fs_path == \"$f\") | \"\(.verdict) \(.holder.comm) \(.holder.pid)\"] | unique | join(\",\")")"
			expect_eq "on: run: RETRIED naming the checkpointer on $f in the report" "retried postgres $ckpt" \
				"$(rq "$n" "[.[] | select(.type == \"verdict\" and .verdict == \"retried\" and .fs_path == \"$f\") | \"\(.verdict) \(.holder.comm) \(.holder.pid)\"] | unique | join(\",\")")"
		done
		expect_eq "on: the scenario exited 0" 0 "$(rq "$n" '.[] | select(.type == "run") | .command_exit_status')"
		expect_eq "on: run: the gate trips" true "$(rq "$n" '.[] | select(.type == "run") | .tripped')"
		expect_eq "on: run exits with the record's gate status (not the scenario's 0)" \
			"$(rq "$n" '.[] | select(.type == "run") | .exit_status') nonzero" \
			"${RCS[on]} $([ "${RCS[on]}" != 0 ] && echo nonzero)"
	fi
done
apps_finish

#!/usr/bin/env bash
# Run as the postgres user, by test_postgres.sh (under `wberrwatch run` and
# strace): one throwaway cluster on the failing disk.
#
#   pg-scenario.sh PGDATA DIR off|on
#
# DIR is a temporary folder for the unix socket and the handshake files with
# the test (which, as root, fails and heals the disk):
#   DIR/ready1  table created and checkpointed: fail the disk, then touch DIR/go1
#   DIR/ready2  INSERT + CHECKPOINT done (off: PANIC, the cluster is down):
#               heal the disk, then touch DIR/go2
# off: restart after the PANIC (crash recovery), check the rows, stop.
# on:  CHECKPOINT again until one succeeds (its fsyncs of the files that
#      failed return 0: the retry), stop.
# Exit status 0 when every step went as PostgreSQL documents it.
set -u
PGDATA=$1 DIR=$2 MODE=$3
BIN=/usr/lib/postgresql/15/bin
LOG=$DIR/server.log
export PGHOST=$DIR PGDATABASE=postgres PGUSER=postgres
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
waitfor() { # PATH: bounded
	for _ in $(seq 600); do [ -e "$1" ] && return 0; sleep 0.05; done
	echo "pg-scenario: $1 never came" >&2
	exit 23
}
start() {
	"$BIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w -t 30 start -o \
		"-c listen_addresses='' -c unix_socket_directories=$DIR -c data_sync_retry=$MODE \
		 -c restart_after_crash=off -c autovacuum=off -c checkpoint_timeout=1h \
		 -c max_wal_size=1GB -c fsync=on" >/dev/null
}
trap '"$BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1' EXIT

start || exit 24
q "CREATE TABLE t(x text); CHECKPOINT;" || exit 25
q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'" >"$DIR/checkpointer.pid"
q "SELECT pg_relation_filepath('t')" >"$DIR/relpath"
touch "$DIR/ready1"
waitfor "$DIR/go1"
# about 4 MiB of heap: new blocks of the table's file
q "INSERT INTO t SELECT lpad('', 1000, md5(i::text)) FROM generate_series(1, 4000) i" || exit 26
q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" >/dev/null
q "CHECKPOINT" 2>"$DIR/checkpoint1.err"
echo $? >"$DIR/checkpoint1.status"
touch "$DIR/ready2"
waitfor "$DIR/go2"
if [ "$MODE" = off ]; then
	# the PANIC took the cluster down (restart_after_crash=off): wait for
	# the postmaster to be gone, then crash recovery on a healthy disk
	for _ in $(seq 200); do "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1 || break; sleep 0.05; done
	grep -q PANIC "$LOG" || exit 27
	start || exit 28
	grep -q "database system was interrupted\|database system was not properly shut down" "$LOG" || exit 29
	[ "$(q "SELECT count(*) FROM t")" = 4000 ] || exit 30
else
	grep -q "ERROR:  could not fsync file" "$LOG" || exit 31
	# each failed checkpoint stops at its first failed fsync (the first
	# table fork), leaving the next for the next checkpoint: retry until
	# one succeeds (bounded)
	for i in 1 2 3 4 5 6; do
		q "CHECKPOINT" 2>>"$DIR/checkpoint2.err" && break
		i=fail
	done
	echo "$i" >"$DIR/checkpoint2.attempts"
	[ "$i" != fail ] || exit 32
fi
"$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null || exit 33
trap - EXIT
exit 0

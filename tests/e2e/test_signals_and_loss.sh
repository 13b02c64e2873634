#!/usr/bin/env bash
# SIGPIPE ends the watch quietly; records the kernel could not queue are
# counted and reported, never hidden.
source "$(dirname "$0")/lib.sh"

make_fixture

# piped into head: the start record goes through, the next write finds the
# pipe closed and the watcher leaves quietly with status 0
( "$WBW" --json --dev "$FX_DEV" 2>"$WORK/pipe.err"; echo $? >"$WORK/pipe.rc" ) | head -n 1 >"$WORK/head.out" &
hpid=$!
for _ in $(seq 200); do grep -q 'watching' "$WORK/pipe.err" 2>/dev/null && break; sleep 0.05; done
fixture_fail
"$IO" "open a $FX_MNT/p w" "write a 8" "fsync a" "close a" >/dev/null
for _ in $(seq 100); do [ -s "$WORK/pipe.rc" ] && break; sleep 0.1; done
wait "$hpid"
expect_eq "SIGPIPE: the reader got the start record" start "$(jq -r .type "$WORK/head.out")"
expect_eq "SIGPIPE: watcher exits by itself with status 0" 0 "$(cat "$WORK/pipe.rc" 2>/dev/null)"
expect "SIGPIPE: no summary after the pipe closed" bash -c "! grep -Eq '^wberrwatch: [0-9]+ writeback error' '$WORK/pipe.err'"
expect_eq "SIGPIPE: nothing but the banner on stderr" 1 "$(wc -l <"$WORK/pipe.err")"

# a stopped watcher cannot drain its smallest possible ring buffer: the
# kernel must drop records and the watcher must say so
fixture_heal
watch_start --json --dev "$FX_DEV" --ringbuf-size 4K
kill -STOP "$WPID"
fixture_fail
"$IO" "open a $FX_MNT/l1 w" "open b $FX_MNT/l2 w" "open c $FX_MNT/l3 w" \
	"write a 8" "write b 8" "write c 8" "fsync a" "fsync b" "fsync c" >/dev/null
kill -CONT "$WPID"
watch_stop INT
expect_eq "loss: watcher still exits 0" 0 "$WRC"
lost=$(wq '.[] | select(.type == "summary") | .lost.total')
expect "loss: the summary counts lost records ($lost)" [ "$lost" -gt 0 ]
expect_eq "loss: the summary says it is incomplete" false "$(wq '.[] | select(.type == "summary") | .complete')"
expect "loss: stderr warns" grep -q "WARNING: incomplete: $lost records lost" "$WERR"
finish

#!/usr/bin/env bash
# `make demo` (demo/demo.sh): flags exactly the careless program, and leaves
# nothing behind, also when interrupted as Ctrl-C would.
source "$(dirname "$0")/lib.sh"
DEMO=$E2E_DIR/../../demo/demo.sh

DEMO_HOLD_MS=1500 "$DEMO" "$WBW_BUILD" >"$WORK/demo.out" 2>"$WORK/demo.err"
expect_eq "demo exits 0" 0 "$?"
cpid=$(sed -n 's/^careless\[\([0-9]*\)\]: wrote.*/\1/p' "$WORK/demo.out")
kpid=$(sed -n 's/^careful\[\([0-9]*\)\]: fsync.*failed.*/\1/p' "$WORK/demo.out")
expect "careless was flagged UNREPORTED, by its own close, final (it exited)" \
	grep -q "/careless.dat  UNREPORTED: held by careless\[$cpid\] fd 3, released by close of careless\[$cpid\] (error" "$WORK/demo.out"
expect "careless's error names it as the writer" \
	grep -q "/careless.dat  events=[0-9]* errseq=0x1c written-by=careless\[$cpid\]" "$WORK/demo.out"
expect_eq "one alarm for its error: no UNSEEN besides" 0 "$(grep -c '/careless.dat  UNSEEN' "$WORK/demo.out")"
expect "careful was told: REPORTED" grep -q "/careful.dat  REPORTED to careful\[$kpid\]" "$WORK/demo.out"
expect_eq "careful is flagged nowhere" 0 "$(grep -c '/careful.dat .*\(UNREPORTED\|UNSEEN\|RETRIED\)' "$WORK/demo.out")"
expect "it says what happened" grep -q "careless exited 0 and lost its data" "$WORK/demo.out"
dir=$(sed -n 's|.*mounted on \(/tmp/wbw-fixture\.[^/]*\)/mnt.*|\1|p' "$WORK/demo.out")
expect "the throwaway disk is gone" bash -c "[ -n '$dir' ] && [ ! -e '$dir' ] && ! grep -q '$dir' /proc/self/mounts"

# Ctrl-C in step 4: the whole process group gets SIGINT (env resets the
# SIG_IGN a background job inherits, as a terminal's foreground job has not)
setsid env --default-signal=INT DEMO_HOLD_MS=20000 "$DEMO" "$WBW_BUILD" >"$WORK/int.out" 2>&1 &
pid=$!
for _ in $(seq 200); do grep -q '^careless\[.*wrote' "$WORK/int.out" && break; sleep 0.05; done
dir=$(sed -n 's|.*mounted on \(/tmp/wbw-fixture\.[^/]*\)/mnt.*|\1|p' "$WORK/int.out")
lo=$(sed -n 's|^ext4 on \(/dev/loop[0-9]*\) .*|\1|p' "$WORK/int.out")
expect "the demo's disk is mounted while it runs" grep -q "$dir/mnt" /proc/self/mounts
kill -INT -- "-$pid"
wait "$pid"
expect_eq "interrupted: exit 130" 130 "$?"
expect "interrupted: it says it cleans up" grep -q "demo: interrupted; removing the throwaway disk" "$WORK/int.out"
expect "interrupted: nothing mounted, directory gone" bash -c "[ -n '$dir' ] && [ ! -e '$dir' ] && ! grep -q '$dir' /proc/self/mounts"
expect "interrupted: its loop device is detached" bash -c "! losetup '$lo' 2>/dev/null | grep -q '$dir'"
left() { pgrep -x careless || pgrep -f '[w]berrwatch --dev .* --name-writers'; }
for _ in $(seq 40); do left >/dev/null || break; sleep 0.05; done # killed ones are reaped by init
expect "interrupted: no demo process left" bash -c "! { pgrep -x careless || pgrep -f '[w]berrwatch --dev .* --name-writers'; }"

# the script on stdin: nobody may not reach the checkout (a clone in a
# private folder, as under mktemp -d), and the answer must not depend on it
setpriv --reuid=nobody --regid=nogroup --clear-groups bash -s "$WBW_BUILD" <"$DEMO" >/dev/null 2>"$WORK/user.err"
expect_eq "without root: exit 3" 3 "$?"
expect "and it says how" grep -q "demo: needs root.*sudo make demo" "$WORK/user.err"
finish

#!/usr/bin/env bash
# --output FILE survives logrotate's move-then-HUP on real errors: the moved
# file holds exactly the records before the signal, the new file the ones
# after, every line whole, none lost, none in both; then the same under a
# stream of errors with a HUP every few records; a reopen that fails keeps
# the old file; an --output that cannot be opened is status 1.
source "$(dirname "$0")/lib.sh"
umask 022

make_fixture
mkdir "$WORK/logs"
log=$WORK/logs/wbw.json
watch_start --json --output "$log" --mount "$FX_MNT"
# wait_json and wq read the log from here on
WOUT=$log
fixture_fail

# told_error NAME: a fresh file written and fsynced on the failing disk (its
# fsync is told: REPORTED at once), and the watcher's verdict on it
told_error() {
	"$IO" "open a $FX_MNT/$1 w" "writek a 8" "fsync a" "close a" >"$WORK/$1.io.json"
	wait_json ".type == \"verdict\" and .fs_path == \"/$1\"" ||
		not_ok "no verdict on /$1 in $WOUT"
}

# rotate NEWNAME: rotate as logrotate does, and wait until the watcher made
# the new file (it creates it on reopen)
rotate() {
	mv "$log" "$1"
	kill -HUP "$WPID"
	for _ in $(seq 100); do [ -e "$log" ] && return 0; sleep 0.05; done
	not_ok "no new $log 5 s after SIGHUP"
	return 1
}

told_error a1
told_error a2
rotate "$log.1"
told_error b1
told_error b2
# a burst: errors one after another while HUPs come every 50 ms
for i in $(seq 3 40); do
	"$IO" "open a $FX_MNT/b$i w" "writek a 8" "fsync a" "close a" >"$WORK/b$i.io.json"
done &
burst=$!
n=2
# at least once, even when the burst is over before the first 50 ms
while rotate "$log.$n"; do
	n=$((n + 1))
	kill -0 "$burst" 2>/dev/null || break
	sleep 0.05
done
wait "$burst"
# the last verdict may have gone into the file a reopen had just moved
for _ in $(seq 200); do
	cat "$log"* 2>/dev/null | grep -q '"type":"verdict".*"fs_path":"/b40"' && break
	sleep 0.05
done
expect "a verdict on /b40, the burst's last file" bash -c "cat '$log'* | grep -q '\"type\":\"verdict\".*\"fs_path\":\"/b40\"'"
# a reopen that fails (the directory went away) keeps the file open before
mv "$WORK/logs" "$WORK/old"
kill -HUP "$WPID"
for _ in $(seq 100); do grep -q 'cannot reopen' "$WERR" && break; sleep 0.05; done
expect "a failed reopen is said on stderr" grep -qx \
	"wberrwatch: SIGHUP: cannot reopen --output $log: No such file or directory; still writing to the file open before" "$WERR"
WOUT=$WORK/old/wbw.json
told_error c1
expect "after a failed reopen the lines go on into the file open before" \
	[ "$(jq -s '[.[] | select(.type == "verdict" and .fs_path == "/c1")] | length' "$WOUT")" = 1 ]
expect "and no new file was made" [ ! -e "$log" ]
watch_stop INT
expect_eq "watcher exits 0" 0 "$WRC"
expect_eq "nothing on stdout" 0 "$(wc -c <"$WORK/watch.out")"
expect "the burst rotated at least once" [ "$n" -ge 3 ]

# every line of every file is one whole JSON record
files=()
for i in $(seq 1 $((n - 1))); do files+=("$WORK/old/wbw.json.$i"); done
files+=("$WORK/old/wbw.json")
lines=$(cat "${files[@]}" | wc -l)
expect_eq "every line is a JSON record" "$lines" "$(cat "${files[@]}" | jq -c . 2>/dev/null | wc -l)"
expect "every file ends with a whole line" bash -c \
	'for f; do [ ! -s "$f" ] || [ "$(tail -c 1 "$f" | od -An -c | tr -d " ")" = "\n" ] || exit 1; done' _ "${files[@]}"
spread=0
for f in "${files[@]}"; do
	[ "$(jq -s '[.[] | select(.type == "wb_error")] | length' "$f")" -gt 0 ] && spread=$((spread + 1))
done
expect "the errors are spread over at least 4 files (rotations while records flowed): $spread" [ "$spread" -ge 4 ]
# the first file: exactly the records before the signal
first=${files[0]}
expect_eq "first file: start, then a1's and a2's error, observation and verdict" \
	"start 1 fsync_error:/a1 fsync_error:/a2 observe:/a1 observe:/a2 verdict:/a1 verdict:/a2 wb_error:/a1 wb_error:/a2" \
	"$(jq -rs '"start \([.[] | select(.type == "start")] | length) " + ([.[] | select(.type != "start") | "\(.type):\(.fs_path)"] | sort | join(" "))' "$first")"
expect_eq "first file: a1 and a2 REPORTED" "reported reported" \
	"$(jq -rs '[.[] | select(.type == "verdict") | .verdict] | join(" ")' "$first")"
second=${files[1]}
expect_eq "second file begins with b1's records, no start record" \
	"fsync_error:/b1 observe:/b1 verdict:/b1 wb_error:/b1" \
	"$(jq -rs '[.[] | select(.fs_path == "/b1") | "\(.type):\(.fs_path)"] | sort | join(" ")' "$second")"
expect_eq "second file: no start record, nothing of a1 or a2" 0 \
	"$(jq -s '[.[] | select(.type == "start" or .fs_path == "/a1" or .fs_path == "/a2")] | length' "$second")"
# across all files: 43 files (a1 a2 b1..b40 c1), each with one error, one
# observation, one failed fsync and one verdict, none twice; error ids 1..43
# without a gap
all=$(cat "${files[@]}" | jq -cs .)
expect_eq "43 errors, 43 failed fsyncs, 43 observations, 43 verdicts" "43 43 43 43" \
	"$(jq -r '[(.[] | select(.type == "wb_error")), (.[] | select(.type == "fsync_error")), (.[] | select(.type == "observe")), (.[] | select(.type == "verdict"))] | group_by(.type) | map(length) | join(" ")' <<<"$all")"
expect_eq "no record twice: 172 distinct (type, file) pairs" 172 \
	"$(jq '[.[] | select(.type != "start" and .type != "summary") | "\(.type) \(.fs_path)"] | unique | length' <<<"$all")"
expect_eq "error ids contiguous across the files" "$(seq -s ' ' 1 43)" \
	"$(jq -r '[.[] | select(.type == "wb_error") | .id] | sort | map(tostring) | join(" ")' <<<"$all")"
expect_eq "every verdict REPORTED" 43 "$(jq '[.[] | select(.type == "verdict" and .verdict == "reported")] | length' <<<"$all")"
expect_eq "one start record (first file), one summary (last file)" "1 1 1" \
	"$(jq -r '"\([.[] | select(.type == "start")] | length) \([.[] | select(.type == "summary")] | length)"' <<<"$all") $(jq -s '[.[] | select(.type == "summary")] | length' "${files[-1]}")"
expect_eq "the summary counts 43 REPORTED, nothing lost" "43 0" \
	"$(jq -r '.[] | select(.type == "summary") | "\(.verdicts.reported | add) \(.lost.total)"' <<<"$all")"
expect_eq "files created 0644 (umask 022)" 644 "$(stat -c %a "$second")"

# --output that cannot be opened: status 1, said on stderr
"$WBW" --json --output "$WORK/no/such/dir/w.json" --mount "$FX_MNT" -d 0 >"$WORK/bad.out" 2>"$WORK/bad.err"
expect_eq "--output in a missing directory: status 1" 1 "$?"
expect "it names the file and the reason" \
	grep -qx "wberrwatch: cannot open --output $WORK/no/such/dir/w.json: No such file or directory" "$WORK/bad.err"
expect_eq "and the fatal record goes where it can: stdout" fatal "$(jq -r .type "$WORK/bad.out")"
finish

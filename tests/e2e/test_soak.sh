#!/usr/bin/env bash
# A daemon that loses nothing, over time: one watcher (--json, --metrics-file,
# --listen) runs for SOAK_SECONDS (120; `make soak DURATION=...` for longer)
# while a driver replays a random mix of scenarios on the failing disk, each
# on a fresh 8 KiB file, and scrapes /metrics every few seconds:
#
#   told    write, fsync, close                   REPORTED
#   untold  write, held across the failed writeback, close, exit
#                                                 UNREPORTED (final)
#   unseen  write, close, then the writeback fails UNSEEN
#
# The files are made, empty, while the disk is healthy, a batch at a time:
# a file created after it failed needs new directory and inode-table blocks
# whose writes fail too, and ext4 marks a buffer whose write failed not up to
# date, so its next use re-reads the block from the disk and fails its
# checksum (EBADMSG): the scenario's own open fails, and no data error can
# happen.  Only the scenarios' data and inode updates meet the failing disk.
# Once a batch is used, the disk is healed, the batch deleted and the next
# one made: the new files take the freed inode numbers (and now and then the
# freed struct address_space), as on any host that deletes and creates
# files, so the watcher's state per inode is recycled, not grown, and the
# errors of deleted files are final (their inodes are gone).
#
# At the end every verdict the driver predicted is there, exactly, by path;
# nothing was lost; the final metrics file counts what the JSON summary
# counts; the watcher's RSS grew less than 1 MiB and its descriptors not at
# all after warm-up (a third of the run, at most a minute); and it ran as the
# ASan+UBSan build (WBW_SOAK_BIN, default BUILD/san/wberrwatch) without a
# sanitizer report: CI runs this once and it covers both.
source "$(dirname "$0")/lib.sh"

SOAK_SECONDS=${SOAK_SECONDS:-120}
SOAK_SEED=${SOAK_SEED:-$((($(date +%s%N) / 1000) % 32768))}
WARMUP=$((SOAK_SECONDS / 3 < 60 ? SOAK_SECONDS / 3 : 60))
SAMPLE_EVERY=3
WBW=${WBW_SOAK_BIN:-$WBW_BUILD/san/wberrwatch}
[ -x "$WBW" ] || bail "no $WBW: make sanitized (make check builds it)"
# halt_on_error: the first report ends the watcher, and its status fails the
# test too.  No quarantine (freed blocks held back poisoned, to catch a use
# after free later): it is a cache that grows the RSS this test watches, up
# to 256 MiB by default; a use right after the free is still caught.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:quarantine_size_mb=0:malloc_context_size=20
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "# soak: ${SOAK_SECONDS}s, seed $SOAK_SEED (SOAK_SEED=$SOAK_SEED repeats the mix), $WBW"
RANDOM=$SOAK_SEED

BATCH=64
make_fixture
M=$FX_MNT
prom=$WORK/soak.prom
port=$((40000 + $$ % 20000))
# --per-process: each scenario's process is its own application, wherever
# the test runs (a CI job's cgroup would otherwise make them one, and an
# UNREPORTED would stay provisional for --handover-window's 600 s)
watch_start --json --metrics-file "$prom" --listen "127.0.0.1:$port" --mount "$M" --per-process
D=/soak
mkdir "$M$D"
# fail the disk as fixture_fail does, but with sync(2), which tells no one:
# its syncfs would be told every error pending on the filesystem
fail_quietly() {
	local blocks free bsize
	sync
	read -r blocks free bsize < <(stat -f -c '%b %f %S' "$FX_BACK")
	mount -o "remount,size=$(( (blocks - free) * bsize ))" "$FX_BACK"
}
# make_batch FIRST: files fFIRST.. of the next batch, on a healthy disk
make_batch() {
	(cd "$M$D" && seq -f 'f%.0f' "$1" $(($1 + BATCH - 1)) | xargs touch) ||
		bail "cannot make the batch of files from f$1"
}
# recycle: the used batch's verdicts are in (its holders are gone): delete
# it and make the next one, on a healed disk
recycle() {
	fixture_heal
	(cd "$M$D" && seq -f 'f%.0f' $(($1 - BATCH)) $(($1 - 1)) | xargs rm -f)
	make_batch "$1"
	fail_quietly
}
make_batch 1
fail_quietly
log=$WORK/driver.log  # what each scenario should yield: "PATH VERDICT KIND"
samples=$WORK/samples # "SECONDS RSS_KIB FDS"
scrapes=$WORK/scrapes # "SECONDS HTTP_STATUS VERDICTS_TOTAL"
: >"$log"

# every few seconds: the watcher's RSS and descriptors, and a scrape
(
	t0=$SECONDS
	# it stops before the watcher does (a scrape racing the watcher's
	# exit would fail for the test's own reason)
	while [ ! -e "$WORK/stop-sampling" ] && kill -0 "$WPID" 2>/dev/null; do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$WPID/status" 2>/dev/null)
		fds=$(find "/proc/$WPID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
		[ -n "$rss" ] && echo "$((SECONDS - t0)) $rss $fds" >>"$samples"
		code=$(curl -s --max-time 3 -o "$WORK/scrape.prom" -w '%{http_code}' "http://127.0.0.1:$port/metrics")
		echo "$((SECONDS - t0)) $code $(awk '/^wberrwatch_verdicts_total\{/ { s += $2 } END { print s + 0 }' "$WORK/scrape.prom" 2>/dev/null)" >>"$scrapes"
		sleep $SAMPLE_EVERY
	done
) &
sampler=$!

# seen PATH: the watcher has printed the error on PATH (it lists the files
# open on an error as soon as the error arrives, before that line)
seen() { grep -F "\"fs_path\":\"$1\"" "$WOUT" | grep -qF '"type":"wb_error"'; }
wait_seen() {
	for _ in $(seq 200); do seen "$1" && return 0; sleep 0.05; done
	return 1
}

# explain_missing PATH: what the kernel said about the disk when a scenario's
# file got no error (for the log of a failed run)
explain_missing() {
	echo "# soak: no error on $1 ($(date +%T.%N)); its file: $(stat -c 'ino %i, %b blocks' "$M$1" 2>&1);" \
		"backing tmpfs: $(stat -f -c '%b blocks, %f free' "$FX_BACK")"
	dmesg | grep -F "$(basename "$FX_LO")" | tail -8 | sed 's/^/#   dmesg: /'
}

# One round: 1 to 3 scenarios, one sync(2) to fail their writeback (it tells
# no one), the holders let go once the watcher has each error.  Each
# scenario takes the batch's next file; a round that would run past the
# batch first recycles it.
n=0 rounds=0 told=0 untold=0 unseen=0 missing=0 batch_end=$BATCH recycled=0
t_end=$((SECONDS + SOAK_SECONDS))
while [ $SECONDS -lt $t_end ] && kill -0 "$WPID" 2>/dev/null; do
	if [ $((n + 3)) -gt "$batch_end" ]; then
		# the rest of this batch stays unused: the next starts after it
		recycle $((batch_end + 1))
		n=$batch_end
		batch_end=$((batch_end + BATCH))
		recycled=$((recycled + 1))
	fi
	rounds=$((rounds + 1))
	paths=() holders=() gos=()
	for _ in $(seq $((1 + RANDOM % 3))); do
		n=$((n + 1))
		p=$D/f$n
		case $((RANDOM % 3)) in
		0)
			"$IO" "open a $M$p w" "writek a 8" "fsync a" "close a" >/dev/null &
			holders+=($!)
			echo "$p reported told" >>"$log"
			told=$((told + 1))
			;;
		1)
			"$IO" "open a $M$p w" "writek a 8" "wait $WORK/go$n" "close a" >"$WORK/u$n.io.json" &
			holders+=($!) gos+=("$p $WORK/go$n")
			# written before the writeback fails (else a later writeback
			# fails it, after the close: UNSEEN, not what is predicted)
			for _ in $(seq 500); do grep -q '"op":"writek"' "$WORK/u$n.io.json" 2>/dev/null && break; sleep 0.02; done
			grep -q '"op":"writek"' "$WORK/u$n.io.json" || echo "# soak: $p not written 10 s after its start"
			echo "$p unreported untold" >>"$log"
			untold=$((untold + 1))
			;;
		2)
			"$IO" "open a $M$p w" "writek a 8" "close a" >/dev/null
			echo "$p unseen unseen" >>"$log"
			unseen=$((unseen + 1))
			;;
		esac
		paths+=("$p")
	done
	sync
	for g in "${gos[@]}"; do
		wait_seen "${g% *}" || { missing=$((missing + 1)); echo "# soak: no error on ${g% *} 10 s after sync ($(date +%T.%N)): $(tr '\n' ' ' <"$WORK/u${g##*go}.io.json")"; }
		touch "${g#* }"
	done
	# (a bare `wait` would wait for the sampler too)
	[ ${#holders[@]} = 0 ] || wait "${holders[@]}"
	for p in "${paths[@]}"; do
		wait_seen "$p" || { missing=$((missing + 1)); explain_missing "$p"; }
	done
	rm -f "$WORK"/go* "$WORK"/u*.io.json
done
echo "# soak: $((told + untold + unseen)) scenarios in $rounds rounds (told $told, untold $untold, unseen $unseen), $recycled batches of $BATCH files recycled"
# the last UNREPORTED is final once its process is seen gone (a tick later)
last_u=$(awk '$3 == "untold" { p = $1 } END { print p }' "$log")
[ -z "$last_u" ] || wait_json ".type == \"verdict\" and .fs_path == \"$last_u\" and .final" 5 ||
	not_ok "the last UNREPORTED ($last_u) never became final"
sleep $SAMPLE_EVERY # one more sample with everything settled
touch "$WORK/stop-sampling"
wait "$sampler" 2>/dev/null
watch_stop TERM

expect_eq "the watcher exits 0 (and was not stopped by a sanitizer)" 0 "$WRC"
expect_eq "no sanitizer report on the watcher's stderr" "" \
	"$(grep -E 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error:|SUMMARY: [A-Za-z]+Sanitizer' "$WERR" | head -5)"
expect "ran at least 20 scenarios (ran $((told + untold + unseen)))" [ $((told + untold + unseen)) -ge 20 ]
expect_eq "the watcher printed an error for every scenario's file" 0 "$missing"

# every prediction, exactly: the decided verdicts on each file
wq "[.[] | select(.type == \"verdict\" and .bdev == null)] | group_by(.fs_path) | .[] |
	\"\\(.[0].fs_path) \\($DECIDED | map(.verdict) | join(\",\"))\"" | sort >"$WORK/got"
awk '{ print $1, $2 }' "$log" | sort >"$WORK/want"
expect_eq "every predicted verdict, and no other, on each of the $((told + untold + unseen)) files" "" \
	"$(diff "$WORK/want" "$WORK/got" | grep '^[<>]' | head -10 | tr '\n' ';')"
# nothing else had an error: not the directory (the files are made and
# deleted on a healthy disk), only the block device's own metadata may
# (inode updates: --mount includes the device's own errors)
expect_eq "errors on anything but the scenarios' files and the device's metadata" 0 \
	"$(wq "[.[] | select(.type == \"wb_error\" and .bdev == null and (.fs_path // \"\" | test(\"^$D/f[0-9]+\$\") | not))] | length")"
meta=$(wq "[.[] | select(.type == \"wb_error\" and .bdev != null)] | length")
metav() { wq "[.[] | select(.type == \"verdict\" and .bdev != null)] | $DECIDED | map(select(.verdict == \"$1\")) | length"; }
sumq() { wq ".[] | select(.type == \"summary\") | $1"; }
expect_eq "summary: one error per scenario (and $meta on metadata)" "$((told + untold + unseen + meta))" "$(sumq .errors)"
expect_eq "summary: verdicts by kind as predicted (and metadata's)" \
	"reported $((told + $(metav reported))) unreported $((untold + $(metav unreported))) unseen $((unseen + $(metav unseen))) superseded $(metav superseded) retried $(metav retried)" \
	"$(sumq '.verdicts | "reported \(.reported | add // 0) unreported \(.unreported | add // 0) unseen \(.unseen | add // 0) superseded \(.superseded | add // 0) retried \(.retried | add // 0)"')"
expect_eq "summary: nothing lost, nothing undecodable, nothing pending" "0 0 0" \
	"$(sumq '"\(.lost.total) \(.decode_errors) \(.unreported_pending)"')"
# the metrics file written at exit counts what the summary counts
for v in reported unreported unseen superseded retried; do
	expect_eq "metrics file: wberrwatch_verdicts_total{verdict=\"$v\"} equals the summary" \
		"$(sumq ".verdicts.$v | add // 0")" \
		"$(awk -v v="$v" 'index($0, "wberrwatch_verdicts_total{verdict=\"" v "\"") == 1 { s += $2 } END { print s + 0 }' "$prom")"
done
expect_eq "metrics file: nothing lost" 0 "$(awk '/^wberrwatch_records_lost_total/ { s += $2 } END { print s + 0 }' "$prom")"

# the scrapes: all answered, counters never went down
expect "scraped /metrics at least $((SOAK_SECONDS / SAMPLE_EVERY / 2)) times ($(wc -l <"$scrapes"))" \
	[ "$(wc -l <"$scrapes")" -ge $((SOAK_SECONDS / SAMPLE_EVERY / 2)) ]
expect_eq "every scrape answered 200" "" "$(awk '$2 != 200' "$scrapes" | head -3 | tr '\n' ';')"
expect_eq "wberrwatch_verdicts_total never went down between scrapes" "" \
	"$(awk 'NR > 1 && $3 < last { print } { last = $3 }' "$scrapes" | head -3 | tr '\n' ';')"

# memory and descriptors after warm-up
read -r rss0 fds_warm < <(awk -v w="$WARMUP" '$1 >= w { print $2, $3; exit }' "$samples")
rss_first=$(awk 'NR == 1 { print $2 }' "$samples")
rss_end=$(awk 'END { print $2 }' "$samples")
rss_max=$(awk -v w="$WARMUP" '$1 >= w && $2 > m { m = $2 } END { print m + 0 }' "$samples")
fds_max_warm=$(awk -v w="$WARMUP" '$1 <= w && $3 > m { m = $3 } END { print m + 0 }' "$samples")
fds_max=$(awk -v w="$WARMUP" '$1 >= w && $3 > m { m = $3 } END { print m + 0 }' "$samples")
fds_end=$(awk 'END { print $3 }' "$samples")
echo "# soak: VmRSS ${rss_first} KiB at start, ${rss0:-?} KiB after ${WARMUP}s warm-up, ${rss_end} KiB at the end (max after warm-up ${rss_max}); descriptors: ${fds_max_warm} max in warm-up, ${fds_max} max after, ${fds_end} at the end; $(wc -l <"$samples") samples"
[ -n "${rss0:-}" ] || bail "no sample after the warm-up (${WARMUP}s)"
expect "VmRSS grew less than 1 MiB after warm-up (${rss0} -> max ${rss_max} KiB)" [ $((rss_max - rss0)) -lt 1024 ]
expect "descriptors did not grow after warm-up (max ${fds_max_warm} in warm-up, ${fds_max} after)" \
	[ "$fds_max" -le "$fds_max_warm" ]
finish

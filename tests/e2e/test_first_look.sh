#!/usr/bin/env bash
# The kernel's first look (Linux 6.7+, issue 13) over more than one
# softirq slice: four processes hold 19,000 files each (32,768-slot tables;
# fewer where the hard RLIMIT_NOFILE is lower: no limit is raised), about
# 3 ms of walking here and far more under emulation (the kernel matrix
# runs this too), so a look stops inside a table and goes on in the next
# slice from where it stopped.  Every look must end: a handful of slices
# per error, none given up, and the verdicts the usual ones (each writer,
# told by its own fsync, closes its file at once after).  (A slice that went back to
# the table's start stopped at the same place for ever: half a CPU in
# softirq from the first error on.)
source "$(dirname "$0")/lib.sh"

make_fixture
M=$FX_MNT
watch_start --json -v --mount "$M"
LOOK=$(wq '[.[] | select(.type == "start")][0].first_look')
if [ "$LOOK" != kernel ]; then
	# older kernels (no bpf_iter_task): the watcher's pass is the first look
	expect_eq "no kernel look: the start record says the watcher looks" watcher "$LOOK"
	watch_stop INT
	finish
	exit 0
fi
gcc -O2 -Wall -Wextra -o "$WORK/fdhold" "$E2E_DIR/../../bench/fdhold.c" || bail "cannot build fdhold"
per=$(( $(ulimit -Hn) - 100 ))
[ "$per" -gt 19000 ] && per=19000
HOLD=()
for k in 1 2 3 4; do
	(ulimit -n "$(ulimit -Hn)" && exec "$WORK/fdhold" /dev/null "$per" r) >"$WORK/hold$k.ready" &
	HOLD+=($!)
done
for k in 1 2 3 4; do
	for _ in $(seq 400); do grep -q ready "$WORK/hold$k.ready" && break; sleep 0.05; done
	grep -q ready "$WORK/hold$k.ready" || bail "fdhold did not get ready"
done
fixture_fail
# B: holds the file when its own fsync makes the error, and closes at once
for i in 1 2 3; do
	"$IO" "open b $M/b$i w" "writek b 64" "fsync b" "close b" >"$WORK/b$i.json"
done
sleep 1.5 # well past the looks (a few ms each): a look that never ended would show here
kill "${HOLD[@]}"
wait "${HOLD[@]}" 2>/dev/null
watch_stop INT
read -r looks slices given_up < <(sed -n 's/^wberrwatch: kernel first looks: \([0-9]*\) in \([0-9]*\) slices (\([0-9]*\) given up).*/\1 \2 \3/p' "$WERR")
echo "# kernel first looks: ${looks:-?} in ${slices:-?} slices, ${given_up:-?} given up (4 x $per files held)"
expect "a look for each error (at least 3)" [ "${looks:-0}" -ge 3 ]
expect_eq "no look given up" 0 "${given_up:-x}"
expect "every look ended within a few slices (${slices:-?} for ${looks:-?} looks)" \
	[ "${slices:-999999}" -le $((looks * 20)) ]
for i in 1 2 3; do
	b=$(jq -rs '.[0].pid' "$WORK/b$i.json")
	expect_eq "b$i: its fsync was told" "$FX_ERRNO" "$(jq -rs '.[] | select(.op == "fsync") | .errno_name' "$WORK/b$i.json")"
	expect_eq "b$i: REPORTED to its writer, fd 3" "reported $b 3" \
		"$(vq "/b$i" '.[0] | "\(.verdict) \(.holder.pid) \(.holder.fd)"')"
done
finish

#!/usr/bin/env bash
# Scenario 9: two different errors before anyone looks.  errseq keeps only
# the latest: the first (ENOSPC) is SUPERSEDED, the fsync reports the second
# (EIO) and the file is REPORTED for it.  The FUSE fault fixture gives both
# errnos.
#
# The kernel may record more than the two on the way: on Debian's 6.1 one
# failing sync in ENOSPC mode has recorded ENOSPC, EIO, ENOSPC, EIO on the
# file within 15 ms (the EIO bursts completed from a kworker), now and then.
# errseq replaces an unseen error by each new one, so the verdicts follow
# from the sequence the kernel recorded, which the watcher reports: every
# error but the last SUPERSEDED by the next, the last (EIO) REPORTED.
source "$(dirname "$0")/lib.sh"

faultfs_create >"$WORK/ff.log" 2>&1 || bail "faultfs fixture: $(cat "$WORK/ff.log")"
watch_start --json
M=$FF_MNT
io_bg s "open a $M/s9 w" "write a 4" "wait $WORK/go1" "write a 4" "wait $WORK/go2" "fsync a" "close a"
sleep 0.3
for _ in $(seq 100); do [ "$(ioq s '[.[] | select(.op == "write")] | length')" = 1 ] && break; sleep 0.05; done
faultfs_fail ENOSPC
sync
wait_json '.type == "wb_error" and .errno_name == "ENOSPC"' || not_ok "no ENOSPC error"
touch "$WORK/go1"
for _ in $(seq 100); do [ "$(ioq s '[.[] | select(.op == "write")] | length')" = 2 ] && break; sleep 0.05; done
faultfs_heal
faultfs_fail EIO
sync
wait_json '.type == "wb_error" and .errno_name == "EIO"' || not_ok "no EIO error"
touch "$WORK/go2"
wait "$IO_s"
faultfs_heal
sleep 0.3
watch_stop INT
pid=$(ioq s '.[0].pid')

expect_eq "the fsync reports the latest error, EIO" EIO "$(ioq s '.[] | select(.op == "fsync") | .errno_name')"
# the file's errors, in order: "id errno errseq" each
mapfile -t errs < <(wq '.[] | select(.type == "wb_error" and .fs_path == "/s9") | "\(.id) \(.errno_name) \(.errseq)"')
seq_names=$(printf '%s\n' "${errs[@]}" | awk '{ print $2 }' | paste -sd' ')
expect "two errors or more on the file, ENOSPC first, EIO last, each errno unlike the one before ($seq_names)" \
	awk -v s="$seq_names" 'BEGIN { n = split(s, e, " "); ok = n >= 2 && e[1] == "ENOSPC" && e[n] == "EIO"
		for (i = 2; i <= n; i++) if (e[i] == e[i - 1]) ok = 0; exit !ok }'
expect_eq "the same counter, the errno replaced: errseq 0x1c for ENOSPC, 0x5 for EIO" "" \
	"$(printf '%s\n' "${errs[@]}" | awk '!(($2 == "ENOSPC" && $3 == 28) || ($2 == "EIO" && $3 == 5))')"
n=${#errs[@]}
for ((i = 0; i + 1 < n; i++)); do
	read -r id name _ <<<"${errs[i]}"
	read -r next _ <<<"${errs[i + 1]}"
	expect_eq "$name (error $id) SUPERSEDED by the next error, $next" "superseded $next true" \
		"$(wq ".[] | select(.type == \"verdict\" and .error_id == $id) | \"\(.verdict) \(.superseded_by) \(.final)\"")"
done
read -r last _ <<<"${errs[n - 1]}"
expect_eq "the file REPORTED for the last error, EIO, to the writer" "reported $pid EIO" \
	"$(wq ".[] | select(.type == \"verdict\" and .error_id == ${last:-0}) | \"\(.verdict) \(.holder.pid) \(.errno_name)\"")"
expect_eq "no other verdicts on the file" "$n" "$(wq '[.[] | select(.type == "verdict" and .fs_path == "/s9")] | length')"
# the failing device also fails the filesystem's metadata writes: errors on
# the block device's own mapping, which ext4 checks itself between them
bdev=$(lsblk -dno MAJ:MIN "$FF_LO" | tr -d ' ')
expect "metadata errors are labelled with the block device" \
	[ "$(wq "[.[] | select(.type == \"wb_error\" and .bdev == \"$bdev\")] | length")" -ge 1 ]
expect_eq "none of them called SUPERSEDED: ext4 checked each" 0 \
	"$(wq "[.[] | select(.type == \"verdict\" and .bdev == \"$bdev\" and .verdict == \"superseded\")] | length")"
finish

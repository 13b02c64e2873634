#!/usr/bin/env bash
# Programs that fsync and are told: dd conv=fsync, rsync --fsync,
# git -c core.fsync=all commit.  Their fsync fails, they say so and exit
# non-zero.  Required: REPORTED to the process whose fsync failed; `run`
# exits with the program's own status (the gate does not trip).
source "$(dirname "$0")/lib.sh"
apps_prereq dd rsync git

make_fixture --errno
M=$FX_MNT
SRC=$WORK/src
mkdir -p "$SRC/tree"
for i in 1 2; do head -c 4M /dev/urandom >"$SRC/tree/f$i"; done
for ph in w r; do
	git_repo "$M/${ph}_git"
	mkdir "$M/${ph}_dd" "$M/${ph}_rsync"
done
fixture_fail
watch_start --json --mount "$M" --name-writers

declare -A CMDS=(
	[dd]="dd if=$SRC/tree/f1 of=$M/%/out bs=1M conv=fsync status=none"
	[rsync]="rsync -a --fsync $SRC/tree/ $M/%/"
	[git]="git -C $M/% -c core.fsync=all -c user.name=t -c user.email=t@t.invalid commit -q -a -m two"
)
declare -A COMM=([dd]=dd [rsync]=rsync [git]=git)
CASES="dd rsync git"
declare -A SECS
for c in $CASES; do
	t0=$SECONDS
	# shellcheck disable=SC2086
	traced "w_$c" ${CMDS[$c]//%/w_$c}
	# shellcheck disable=SC2086
	run_traced "r_$c" -- ${CMDS[$c]//%/r_$c}
	SECS[$c]=$((SECONDS - t0))
done
writeback # whatever the programs left dirty
sleep 0.3
watch_stop

for c in $CASES; do
	echo "# $c: ${SECS[$c]} s (watch + run)"
	for ph in w r; do
		n=${ph}_$c
		failed=$(st_failed_syncs "$n")
		echo "# $n failed syncs: $(echo "$failed" | tr '\n' ';')"
		echo "# $n stderr: $(head -c 300 "$WORK/$n.err" | tr '\n' ' ')"
		told=$(echo "$failed" | awk 'NR == 1 { print $1 }')
		expect "$n: strace: an fsync-like call failed with $FX_ERRNO" grep -q "= -1 $FX_ERRNO" <<<"$failed"
		code=$(st_exit "$n" "$told")
		# the process that was told exits non-zero (or its parent does: rsync's
		# receiver is a child; the first process's exit is the program's)
		first=$(st_pids "$n" | head -n1)
		status=$(st_exit "$n" "$first")
		expect "$n: strace: the program exited non-zero ($status)" [ -n "$status" ] && [ "$status" != 0 ]
		expect "$n: the program said so on stderr" grep -qiE 'space|error|fail' "$WORK/$n.err"
		if [ $ph = w ]; then
			expect_eq "w_$c: REPORTED to $c[$told], whose fsync failed" "reported ${COMM[$c]} $told" \
				"$(wq "[.[] | select(.type == \"verdict\" and .verdict == \"reported\" and (.fs_path // \"\" | startswith(\"/$n/\")))
				        | \"\(.verdict) \(.holder.comm) \(.holder.pid)\"] | unique | join(\",\")")"
			expect_eq "w_$c: no UNREPORTED and no RETRIED" "" "$(watch_verdicts "$n" unreported retried)"
			echo "# w_$c verdicts: $(verdicts_on "/$n/")"
			: "${code:=}"
		else
			expect_eq "r_$c: REPORTED in the report, to $c" "reported ${COMM[$c]} $told" \
				"$(rq "$n" '[.[] | select(.type == "verdict" and .verdict == "reported") | "\(.verdict) \(.holder.comm) \(.holder.pid)"] | unique | join(",")')"
			expect_eq "r_$c: the gate does not trip" false "$(rq "$n" '.[] | select(.type == "run") | .tripped')"
			expect_eq "r_$c: run exits with the program's own status" "$status $status" \
				"$(eval echo "\$RC_$n") $(rq "$n" '.[] | select(.type == "run") | .command_exit_status')"
			echo "# r_$c run record: $(run_record "$n"); verdicts: $(rq "$n" '[.[] | select(.type == "verdict") | "\(.verdict) \(.fs_path) \(.holder.comm // .writer.comm)"] | join(", ")')"
		fi
	done
done
apps_finish

#!/usr/bin/env bash
# Programs that never fsync: cp, tar -xf, rsync -a, git commit (default
# core.fsync: loose objects are not fsynced).  They exit 0; writeback fails
# after they are gone.  Required: the watch says UNSEEN naming the writer for
# every lost file; `run` trips its gate and its report names the lost files.
source "$(dirname "$0")/lib.sh"
apps_prereq cp tar rsync git

make_fixture
M=$FX_MNT
# inputs live off the failing disk
SRC=$WORK/src
mkdir -p "$SRC/tree/sub"
head -c 16M /dev/urandom >"$SRC/big"
for i in 1 2 3 4; do head -c 4M /dev/urandom >"$SRC/tree/f$i"; done
head -c 4M /dev/urandom >"$SRC/tree/sub/g"
tar -cf "$WORK/in.tar" -C "$SRC" tree
# git: a repository on the disk with one healthy commit; the work tree files
# are then rewritten (still healthy) so that `git commit -a` alone writes
# the new objects once the disk fails
for ph in w r; do git_repo "$M/${ph}_git"; done
mkdir "$M/w_tar" "$M/r_tar" "$M/w_cp" "$M/r_cp"
fixture_fail # flushes all of the above first
watch_start --json --mount "$M" --name-writers

declare -A CMDS=(
	[cp]="cp $SRC/big $M/%/big"
	[tar]="tar -xf $WORK/in.tar -C $M/%"
	[rsync]="rsync -a $SRC/tree/ $M/%/"
	[git]="git -C $M/% -c user.name=t -c user.email=t@t.invalid commit -q -a -m two"
)
CASES="cp tar rsync git"
declare -A SECS
for c in $CASES; do
	t0=$SECONDS
	# shellcheck disable=SC2086
	traced "w_$c" ${CMDS[$c]//%/w_$c}
	writeback
	# shellcheck disable=SC2086
	run_traced "r_$c" -- ${CMDS[$c]//%/r_$c}
	writeback
	SECS[$c]=$((SECONDS - t0))
done
sleep 0.3
watch_stop

comm_of() { case $1 in cp) echo cp ;; tar) echo tar ;; rsync) echo rsync ;; git) echo git ;; esac; }
for c in $CASES; do
	echo "# $c: ${SECS[$c]} s (watch + run)"
	for ph in w r; do
		n=${ph}_$c
		rc=$(eval echo "\$RC_$n")
		# ground truth: the program never asked for its data to be synced
		expect_eq "$n: strace: no fsync-like call" "" "$(st_sync_results "$n")"
		expect_eq "$n: strace: the program exited 0" 0 \
			"$(awk '/exit_group/ { s = $0 } END { sub(/.*exit_group\(/, "", s); sub(/\).*/, "", s); print s }' "$WORK/$n.strace")"
		# the kernel's own word that data was lost: the watcher's wb_error records
		lost=$(wq "[.[] | select(.type == \"wb_error\" and (.fs_path // \"\" | startswith(\"/$n/\"))) | .fs_path] | unique | join(\" \")")
		expect "$n: writeback really failed (wb_error on /$n/)" [ -n "$lost" ]
		echo "# $n lost: $lost"
		WRITERS=$(st_pids "$n" | tr '\n' ' ')
		if [ $ph = w ]; then
			# 16-20 MiB of dirty data can start background writeback while the
			# program still holds a file: then that file's loss is UNREPORTED
			# (held, closed untold), else UNSEEN.  Both say "never told"
			expect_eq "w_$c: every lost file gets UNSEEN or UNREPORTED, and no REPORTED" \
				"$(for f in $lost; do echo "$f untold"; done)" \
				"$(wq "[.[] | select(.type == \"verdict\" and (.fs_path // \"\" | startswith(\"/$n/\")))
				       | \"\(.fs_path) \(if .verdict == \"unseen\" or .verdict == \"unreported\" then \"untold\" else .verdict end)\"] | unique | .[]")"
			bad=$(wq "[.[] | select(.type == \"verdict\" and (.fs_path // \"\" | startswith(\"/$n/\")))
			           | select((.writer.comm // .holder.comm) != \"$(comm_of "$c")\") | .fs_path] | join(\" \")")
			expect_eq "w_$c: each verdict names $(comm_of "$c") (the writer, or the holder)" "" "$bad"
			wpids=$(wq "[.[] | select(.type == \"verdict\" and (.fs_path // \"\" | startswith(\"/$n/\"))) | (.writer.pid // .holder.pid)] | unique | .[]" | tr '\n' ' ')
			expect "w_$c: the writer pids ($wpids) are processes of the program ($WRITERS)" \
				bash -c "for p in $wpids; do [[ ' $WRITERS' == *\" \$p \"* ]] || exit 1; done; [ -n '$wpids' ]"
		else
			expect_eq "r_$c: the gate trips (run record: tripped)" true "$(rq "$n" '.[] | select(.type == "run") | .tripped')"
			expect_eq "r_$c: run exits with the record's gate status, not the command's 0" \
				"$(rq "$n" '.[] | select(.type == "run") | .exit_status') nonzero" \
				"$rc $([ "$rc" != 0 ] && echo nonzero)"
			named=$(rq "$n" "[.[] | select(.type == \"verdict\" and (.fs_path // \"\" | startswith(\"/$n/\"))) | .fs_path] | unique | join(\" \")")
			expect_eq "r_$c: the report names every lost file" "$lost" "$named"
			# besides: the directories the program created its tree in (their
			# new entries failed too), nothing unrelated
			others=$(rq "$n" "[.[] | select(.type == \"verdict\" and .bdev == null and (.fs_path // \"\" | startswith(\"/$n/\") | not)) | .fs_path] | unique | .[] | select(. != \"/\" and . != \"/$n\")")
			expect_eq "r_$c: nothing else named but / and /$n" "" "$others"
		fi
	done
done
apps_finish

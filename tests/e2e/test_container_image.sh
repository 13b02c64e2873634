#!/usr/bin/env bash
# The watcher in a container, as the DaemonSet runs it: `make image` (the
# static binary FROM scratch, nothing pulled), podman in the host's PID
# namespace, read-only root, no tracefs, every capability dropped but BPF,
# PERFMON and SYS_NICE, a seccomp profile that is podman's default plus bpf
# and perf_event_open, the host's cgroupfs and the runtimes' state
# read-only.  It must catch a host process's error (exact dev, inode, path
# as the host sees it, pid) and a podman container's, naming that
# container; and `doctor` in the container must say what is missing when
# the seccomp profile refuses bpf(), the runtimes' files are not mounted and
# CAP_SYS_NICE is not given.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containers.sh"
ct_need podman runc busybox jq make
ROOT=$(cd "$E2E_DIR/../.." && pwd)
STATIC=$WBW_BUILD/static/wberrwatch
if [ ! -x "$STATIC" ]; then
	[ "${CI:-}" = true ] && bail "$STATIC missing: make static"
	echo "ok 1 # SKIP $STATIC missing (make static)"; echo "1..1"; exit 0
fi

IMG=localhost/wbw-e2e-watcher:$$ WIMG=localhost/wbw-e2e-writer:$$
WNAME=wbw-e2e-watcher-$$ CNAME=wbw-e2e-writer-$$
CTL=$WORK/ctl OUT=$WORK/out
ct_podman_setup
cleanup_ct() {
	"${PODMAN[@]}" rm -f -t 0 "$WNAME" "$CNAME" >/dev/null 2>&1
	"${PODMAN[@]}" rmi -f "$IMG" "$WIMG" >/dev/null 2>&1
	ct_rmdir_cgroups "${made_cg[@]}"
	e2e_cleanup
}
trap cleanup_ct EXIT

make --no-print-directory -s -C "$ROOT" OUTPUT="$WBW_BUILD" image IMAGE="$IMG" >"$WORK/image.log" 2>&1 ||
	bail "make image: $(cat "$WORK/image.log")"
expect_eq "the image holds the static binary only" "1" \
	"$("${PODMAN[@]}" image inspect "$IMG" | jq '.[0].RootFS.Layers | length')"

# podman's default seccomp profile allows bpf() and perf_event_open() only
# with CAP_SYS_ADMIN: the same profile with those two allowed
jq '.syscalls |= map(.names -= ["bpf", "perf_event_open"] | select(.names | length > 0)) |
	.syscalls += [{"names": ["bpf", "perf_event_open"], "action": "SCMP_ACT_ALLOW", "args": []}]' \
	/usr/share/containers/seccomp.json >"$WORK/seccomp.json" || bail "no podman seccomp profile"
BASE=(--pid=host --read-only --cap-drop=all --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
	-v /sys/fs/cgroup:/sys/fs/cgroup:ro)

# doctor under the default profile, without the runtimes' files, without SYS_NICE
"${PODMAN[@]}" run --rm "${BASE[@]}" --cap-add=BPF,PERFMON "$IMG" doctor --json >"$WORK/doc1.json" 2>"$WORK/doc1.err"
expect_eq "doctor under the default seccomp profile: status 3 (privilege)" 3 "$?"
expect "it names the seccomp filter as what refuses bpf()" \
	grep -q "bpf() is refused (EPERM) by a seccomp filter although CAP_BPF is held" "$WORK/doc1.err"
"${PODMAN[@]}" run --rm "${BASE[@]}" --cap-add=BPF,PERFMON --security-opt seccomp="$WORK/seccomp.json" \
	"$IMG" doctor --json >"$WORK/doc2.json" 2>"$WORK/doc2.err"
expect_eq "doctor with bpf allowed: status 0" 0 "$?"
dq() { jq -r "$1" "$WORK/doc2.json"; }
expect_eq "doctor: raw_tp works in the container without tracefs" "true false" \
	"$(dq '.checks.raw_tp.ok') $(dq '.checks.tracefs.ok')"
expect_eq "doctor: CAP_SYS_NICE missing, and says to add it" "false" "$(dq '.checks.CAP_SYS_NICE.ok')"
expect "doctor: ... add CAP_SYS_NICE" grep -q "add CAP_SYS_NICE" <<<"$(dq '.checks.CAP_SYS_NICE.detail')"
expect_eq "doctor: the runtimes' files missing" "false" "$(dq '.checks.runtime_files.ok')"
expect "doctor: ... mount the host's read-only" grep -q "mount the host's read-only" <<<"$(dq '.checks.runtime_files.detail')"
expect "doctor: the host's mount table, PID 1's (its root is not the container's)" \
	grep -q "^/proc/1/mountinfo: the watcher's root is not PID 1's" <<<"$(dq '.checks.mountinfo.detail')"
expect_eq "doctor: the host's cgroupfs" true "$(dq '.checks.cgroup2.ok')"

make_fixture
M=$FX_MNT
mkdir -p "$CTL" "$OUT" "$WORK/rootfs"
ct_rootfs "$WORK/rootfs"
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" . && "${PODMAN[@]}" import -q "$WORK/rootfs.tar" "$WIMG" >/dev/null ||
	bail "cannot import the writer's image"
CID=$("${PODMAN[@]}" run -d --name "$CNAME" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	-v "$M:/data" -v "$CTL:/ctl:ro" -v "$OUT:/out" "$WIMG" \
	/bin/sh -c 'exec /bin/wbw-io "$@" >/out/c.json' sh \
	"wait /ctl/begin" "open a /data/c1 w" "write a 8" "wait /ctl/go" "fsync a" "close a" "wait /ctl/end" \
	2>"$WORK/run.err") || bail "podman run (writer): $(cat "$WORK/run.err")"
CPID=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$CID")
io_bg host "wait $CTL/begin" "open a $M/f-host w" "write a 8" "wait $CTL/go" "close a"

# The host's paths come from PID 1's mount table; a fixture mounted in a
# private mount namespace (CI's) is not in it: then the table of this
# script's namespace is given, as WBERRWATCH_MOUNTINFO
env=()
grep -qF " $M " /proc/1/mountinfo || env=(-e "WBERRWATCH_MOUNTINFO=/proc/$$/mountinfo")
"${PODMAN[@]}" run -d --name "$WNAME" "${BASE[@]}" --cap-add=BPF,PERFMON,SYS_NICE \
	--security-opt seccomp="$WORK/seccomp.json" "${env[@]}" \
	-v /run/runc:/run/runc:ro -v /run/containers/storage:/run/containers/storage:ro \
	-v /var/lib/containers/storage:/var/lib/containers/storage:ro -v "$OUT:/out" \
	"$IMG" --json --dev "$FX_DEV" --output /out/watch.json >/dev/null 2>"$WORK/wrun.err" ||
	bail "podman run (watcher): $(cat "$WORK/wrun.err")"
for _ in $(seq 200); do "${PODMAN[@]}" logs "$WNAME" 2>&1 | grep -q 'watching writeback errors' && break; sleep 0.05; done
"${PODMAN[@]}" logs "$WNAME" 2>&1 | grep -q 'watching writeback errors' ||
	bail "the watcher in the container did not attach: $("${PODMAN[@]}" logs "$WNAME" 2>&1)"
WOUT=$OUT/watch.json

ct_fail_written "$OUT/c.json:1" -- /c1 /f-host
touch "$CTL/go"
ct_wait "$OUT/c.json" '.op == "close"' 10 || not_ok "the writer did not close c1"
wait "$IO_host"
sleep 0.5
"${PODMAN[@]}" stop -t 10 "$WNAME" >/dev/null 2>&1
expect_eq "the watcher stops cleanly on SIGTERM" 0 "$("${PODMAN[@]}" inspect -f '{{.State.ExitCode}}' "$WNAME")"

HPID=$(ioq host '.[0].pid')
expect_eq "f-host: UNREPORTED, the host's process, no container" "unreported $HPID wbw-io null" \
	"$(vq /f-host '.[0] | "\(.verdict) \(.holder.pid) \(.holder.comm) \(.holder.container)"')"
expect_eq "f-host: the host's device, inode and path" "$FX_DEV $(stat -c %i "$M/f-host") $M/f-host" \
	"$(vq /f-host '.[0] | "\(.dev) \(.ino) \(.path)"')"
expect_eq "c1: REPORTED to the writer container's process" "reported $CPID" \
	"$(vq /c1 '.[0] | "\(.verdict) \(.holder.pid)"')"
expect_eq "c1: the writer's container, exact id and name" "$CID $CNAME podman" \
	"$(vq /c1 '.[0].holder.container | "\(.id) \(.name) \(.runtime)"')"
expect_eq "c1: the host's path" "$M/c1" "$(vq /c1 '.[0].path')"
expect_eq "nothing lost" true "$(wq '[.[] | select(.type == "summary")][0].complete')"
finish

#!/usr/bin/env bash
# Container attribution, podman (Debian's, with runc and the cgroupfs
# manager: see kernel-facts.md): an image built here from busybox-static's
# binary and a static wbw-io (`podman import`, nothing pulled), a container
# writing to a volume on the failing disk: c1 told by fsync (REPORTED), c2
# closed untold (UNREPORTED).  Verdicts must name the container by its exact
# id and name, runtime podman; --container ID-PREFIX keeps only its own.
# A second container has its overlay root on the failing disk (a podman
# store there, --root): its own /c3, fsynced, is an error on the overlay's
# upper file, REPORTED to that container, named (its store is found
# through runc's state; see docs/containers.md).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containers.sh"
ct_need podman runc busybox jq

NAME=wbw-e2e-$$ NAME3=wbw-e2e-root-$$
IMAGE=localhost/wbw-e2e:$$
CTL=$WORK/ctl OUT=$WORK/out
ct_podman_setup
PODMAN3=()
cleanup_ct() {
	"${PODMAN[@]}" rm -f -t 0 "$NAME" >/dev/null 2>&1
	"${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1
	if [ ${#PODMAN3[@]} -gt 0 ]; then
		"${PODMAN3[@]}" rm -f -t 0 "$NAME3" >/dev/null 2>&1
		"${PODMAN3[@]}" rmi -f "$IMAGE" >/dev/null 2>&1
		# the store's own mounts, so that the fixture can be unmounted
		"${PODMAN3[@]}" system reset -f >/dev/null 2>&1
		awk -v m="$FX_MNT/" 'index($5, m) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
			while read -r mp; do umount "$mp" 2>/dev/null; done
	fi
	# podman leaves its conmon group behind under the parent it made
	ct_rmdir_cgroups "${made_cg[@]}"
	[ -n "${TPID:-}" ] && kill -KILL "$TPID" 2>/dev/null
	e2e_cleanup
}
trap cleanup_ct EXIT

make_fixture
M=$FX_MNT
mkdir -p "$CTL" "$OUT" "$WORK/rootfs"
ct_rootfs "$WORK/rootfs"
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" . || bail "cannot pack the root filesystem"
"${PODMAN[@]}" import -q "$WORK/rootfs.tar" "$IMAGE" >/dev/null 2>"$WORK/import.err" ||
	bail "podman import: $(cat "$WORK/import.err")"
CID=$("${PODMAN[@]}" run -d --name "$NAME" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	-v "$M:/data" -v "$CTL:/ctl:ro" -v "$OUT:/out" "$IMAGE" \
	/bin/sh -c 'exec /bin/wbw-io "$@" >/out/c.json' sh \
	"wait /ctl/begin" "open a /data/c1 w" "open b /data/c2 w" "write a 8" "write b 8" \
	"wait /ctl/go" "fsync a" "close a" "close b" "wait /ctl/end" 2>"$WORK/run.err") ||
	bail "podman run: $(cat "$WORK/run.err")"
CPID=$("${PODMAN[@]}" inspect -f '{{.State.Pid}}' "$CID")
[ -n "$CPID" ] && [ "$CPID" != 0 ] || bail "no pid for container $CID"
ct_wait "$OUT/c.json" '.op == "start"' 10 || bail "the container's wbw-io did not start"
# the overlay root on the failing disk: a store there, filled before it fails
PODMAN3=(podman --root "$M/store" --runroot "$WORK/runroot" --runtime runc --cgroup-manager=cgroupfs)
"${PODMAN3[@]}" import -q "$WORK/rootfs.tar" "$IMAGE" >/dev/null 2>"$WORK/import3.err" ||
	bail "podman import into the failing disk's store: $(cat "$WORK/import3.err")"
CID3=$("${PODMAN3[@]}" run -d --name "$NAME3" --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	-v "$CTL:/ctl:ro" -v "$OUT:/out" "$IMAGE" /bin/sh -c 'exec /bin/wbw-io "$@" >/out/c3.json' sh \
	"wait /ctl/begin" "open a /c3 w" "write a 8" "wait /ctl/go" "fsync a" "close a" "wait /ctl/end" \
	2>"$WORK/run3.err") || bail "podman run (overlay root): $(cat "$WORK/run3.err")"
CPID3=$("${PODMAN3[@]}" inspect -f '{{.State.Pid}}' "$CID3")
ct_wait "$OUT/c3.json" '.op == "start"' 10 || bail "the overlay-root container did not start"
io_bg host "wait $CTL/begin" "open a $M/f-host w" "write a 8" "wait $CTL/go" "close a"

watch_start --json --dev "$FX_DEV"
ct_text_watcher --dev "$FX_DEV" --container "${CID:0:12}"
ct_fail_written "$OUT/c.json:2" "$OUT/c3.json:1" -- /c2 /f-host
touch "$CTL/go"
ct_wait "$OUT/c.json" '.op == "close" and .fd == "b"' 10 || not_ok "the container did not close c2"
ct_wait "$OUT/c3.json" '.op == "close"' 10 || not_ok "the overlay-root container did not close c3"
wait "$IO_host"
ct_stop_watchers

expect_eq "the container's cgroup is podman's cgroupfs layout" "0::/libpod_parent/libpod-$CID" \
	"$(grep '^0::' "/proc/$CPID/cgroup")"
want=$(jq -nc --arg id "$CID" --arg n "$NAME" '{id: $id, runtime: "podman", name: $n, pod: null, namespace: null, pod_uid: null}')
expect_eq "c1: REPORTED to the container's process" "reported $CPID" "$(vq /c1 '.[] | "\(.verdict) \(.holder.pid)"')"
expect_eq "c1: the container's exact id and name" "$want" "$(vq /c1 '.[0].holder.container | tojson')"
expect_eq "c2: UNREPORTED, held in the container" "unreported $CPID" "$(vq /c2 '.[0] | "\(.verdict) \(.holder.pid)"')"
expect_eq "c2: the same container" "$want" "$(vq /c2 '.[0].holder.container | tojson')"
expect_eq "f-host: in no container" "unreported null" "$(vq /f-host '.[0] | "\(.verdict) \(.holder.container)"')"

expect_eq "c3 (the overlay root): its fsync failed" ENOSPC "$(jq -r 'select(.op == "fsync") | .errno_name' "$OUT/c3.json")"
# (the overlay's upper file is held only through the overlay file, as a
# backing file in no descriptor table: see docs/limits.md)
c3=$(wq '[.[] | select(.type == "verdict" and .verdict == "reported" and (.fs_path // "" | endswith("/diff/c3")))][0]')
expect_eq "c3: REPORTED to the overlay-root container's process" "reported $CPID3" \
	"$(jq -r '"\(.verdict) \(.holder.pid)"' <<<"$c3")"
expect_eq "c3: that container, by id and name" "$CID3 $NAME3 podman" \
	"$(jq -r '.holder.container | "\(.id) \(.name) \(.runtime)"' <<<"$c3")"
expect "c3: the overlay's upper file, in the store on the failing disk" \
	grep -qE "^$M/store/overlay/[0-9a-f]+/diff/c3\$" <<<"$(jq -r .path <<<"$c3")"

label="[container $NAME (podman ${CID:0:12})]"
expect "text: c1 REPORTED, naming the container" \
	grep -qF "$M/c1  REPORTED to wbw-io[$CPID] $label (error" "$WORK/text.out"
expect "text: c2 UNREPORTED, naming it" \
	grep -qF "released by close of wbw-io[$CPID] (pending: its application may still be told) $label (error" "$WORK/text.out"
expect_eq "--container ID: no verdict about the host's process" 0 "$(grep -c 'f-host' "$WORK/text.out")"
expect_eq "text: every verdict line names the container" 0 \
	"$(grep ' verdict ' "$WORK/text.out" | grep -vcF "$label")"
finish

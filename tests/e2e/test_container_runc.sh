#!/usr/bin/env bash
# Container attribution, Kubernetes labels: runc (Debian's) runs a bundle
# whose config.json carries the annotations containerd's CRI plugin writes,
# in kubelet's cgroupfs layout (/kubepods/besteffort/pod<uid>/<id>).  The
# container writes two files on the failing disk (a bind mount): c1 told by
# fsync (REPORTED), c2 closed untold (UNREPORTED); a host process's f-host
# (UNREPORTED) is in no container.  Every verdict about the container must
# name pod, namespace, container and id; --container keeps only its own.
# A second container of the pod ("sidecar") holds c4 and exits untold, and
# is deleted at once (its cgroup with it): the final UNREPORTED, a second
# later (--handover-window 1), must still name it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/containers.sh"
ct_need runc busybox jq

ID=$(ct_id) ID2=$(ct_id)
POD_UID=$(cat /proc/sys/kernel/random/uuid)
B=$WORK/bundle
CTL=$WORK/ctl
# the kubepods directories this test made, to remove them (and nothing else) at the end
made_cg=()
for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
	[ -d "$h" ] && [ ! -L "$h" ] || continue
	for d in "$h/kubepods" "$h/kubepods/besteffort"; do [ -d "$d" ] || made_cg+=("$d"); done
done
cleanup_ct() {
	local id
	for id in "$ID" "$ID2"; do
		runc kill "$id" KILL >/dev/null 2>&1
		for _ in $(seq 40); do [ "$(runc state "$id" 2>/dev/null | jq -r .status)" = running ] || break; sleep 0.05; done
		runc delete -f "$id" >/dev/null 2>&1
	done
	local d
	for d in /sys/fs/cgroup/kubepods/besteffort/pod"$POD_UID" /sys/fs/cgroup/*/kubepods/besteffort/pod"$POD_UID"; do
		[ -d "$d" ] && { rmdir "$d/$ID" "$d/$ID2" 2>/dev/null; rmdir "$d" 2>/dev/null; }
	done
	for d in "${made_cg[@]}"; do [ -d "$d" ] && [[ $d == */besteffort ]] && rmdir "$d" 2>/dev/null; done
	for d in "${made_cg[@]}"; do [ -d "$d" ] && rmdir "$d" 2>/dev/null; done
	[ -n "${TPID:-}" ] && kill -KILL "$TPID" 2>/dev/null
	e2e_cleanup
}
trap cleanup_ct EXIT

make_fixture
M=$FX_MNT
mkdir -p "$B" "$CTL"
ct_rootfs "$B/rootfs"
(cd "$B" && runc spec) || bail "runc spec failed"
jq --arg cg "/kubepods/besteffort/pod$POD_UID/$ID" --arg m "$M" --arg ctl "$CTL" '
	.process.terminal = false |
	.process.args = ["/bin/wbw-io", "wait /ctl/begin", "open a /data/c1 w", "open b /data/c2 w",
		"write a 8", "write b 8", "wait /ctl/go", "fsync a", "close a", "close b", "wait /ctl/end"] |
	.root.readonly = true |
	.linux.cgroupsPath = $cg |
	.annotations = {"io.kubernetes.cri.container-type": "container",
		"io.kubernetes.cri.sandbox-name": "web-0", "io.kubernetes.cri.sandbox-namespace": "prod",
		"io.kubernetes.cri.container-name": "db", "io.kubernetes.cri.sandbox-id": "0"} |
	.mounts += [{"destination": "/data", "type": "bind", "source": $m, "options": ["rbind", "rw"]},
		{"destination": "/ctl", "type": "bind", "source": $ctl, "options": ["rbind", "ro"]}]
' "$B/config.json" >"$B/config.new" && mv "$B/config.new" "$B/config.json"

# the sidecar: the same root, its own config
mkdir -p "$WORK/bundle2"
jq --arg cg "/kubepods/besteffort/pod$POD_UID/$ID2" --arg root "$B/rootfs" '
	.root.path = $root | .linux.cgroupsPath = $cg |
	.process.args = ["/bin/wbw-io", "wait /ctl/begin", "open a /data/c4 w", "write a 8", "wait /ctl/go", "exit"] |
	.annotations["io.kubernetes.cri.container-name"] = "sidecar"
' "$B/config.json" >"$WORK/bundle2/config.json"
runc run --bundle "$WORK/bundle2" "$ID2" >"$WORK/c2.json" 2>"$WORK/runc2.err" &
runc run --bundle "$B" "$ID" >"$WORK/c.json" 2>"$WORK/runc.err" &
for _ in $(seq 100); do [ "$(runc state "$ID" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.05; done
CPID=$(runc state "$ID" 2>/dev/null | jq -r .pid)
[ -n "$CPID" ] && [ "$CPID" != null ] || bail "runc did not start the container: $(cat "$WORK/runc.err")"
for _ in $(seq 100); do [ "$(runc state "$ID2" 2>/dev/null | jq -r .status)" = running ] && break; sleep 0.05; done
SPID=$(runc state "$ID2" 2>/dev/null | jq -r .pid)
[ -n "$SPID" ] && [ "$SPID" != null ] || bail "runc did not start the sidecar: $(cat "$WORK/runc2.err")"
expect_eq "the container's cgroup is kubelet's cgroupfs layout" \
	"0::/kubepods/besteffort/pod$POD_UID/$ID" "$(grep '^0::' "/proc/$CPID/cgroup")"
io_bg host "wait $CTL/begin" "open a $M/f-host w" "write a 8" "wait $CTL/go" "close a"

watch_start --json --dev "$FX_DEV" --metrics-file "$WORK/m.prom" --handover-window 1
ct_text_watcher --dev "$FX_DEV" --container db
ct_fail_written "$WORK/c.json:2" "$WORK/c2.json:1" -- /c2 /f-host
wait_json '.type == "wb_error" and .fs_path == "/c4"' 20 || not_ok "no error on /c4"
touch "$CTL/go"
# the sidecar exits untold; deleted at once, its cgroup goes with it
for _ in $(seq 100); do [ "$(runc state "$ID2" 2>/dev/null | jq -r .status)" = stopped ] && break; sleep 0.05; done
runc delete "$ID2" >/dev/null 2>&1
expect "the sidecar's cgroup is gone" test ! -d "$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)/kubepods/besteffort/pod$POD_UID/$ID2"
wait_json '.type == "verdict" and .fs_path == "/c4" and .final' 10 || not_ok "no final verdict on /c4"
ct_wait "$WORK/c.json" '.op == "close" and .fd == "b"' 10 || not_ok "the container did not close c2"
wait "$IO_host"
ct_stop_watchers

expect_eq "c1 told in the container" "$(jq -r 'select(.op == "fsync") | .errno_name' "$WORK/c.json")" ENOSPC
want=$(jq -nc --arg id "$ID" --arg uid "$POD_UID" '{id: $id, runtime: "containerd", name: "db", pod: "web-0", namespace: "prod", pod_uid: $uid}')
expect_eq "c1: REPORTED to the container's process" "reported $CPID" "$(vq /c1 '.[] | "\(.verdict) \(.holder.pid)"')"
expect_eq "c1: its holder's container, by id, pod, namespace, name" "$want" "$(vq /c1 '.[0].holder.container | tojson')"
expect_eq "c2: UNREPORTED, held in the container" "unreported $CPID" "$(vq /c2 '.[0] | "\(.verdict) \(.holder.pid)"')"
expect_eq "c2: the same container" "$want" "$(vq /c2 '.[0].holder.container | tojson')"
expect_eq "c1's fsync: the told process's container" "db web-0 prod" \
	"$(wq '[.[] | select(.type == "observe" and .fs_path == "/c1")][0].process.container | "\(.name) \(.pod) \(.namespace)"')"
expect_eq "c4: UNREPORTED, final, released by the sidecar's exit" "unreported true exit $SPID" \
	"$(vq /c4 '.[0] | "\(.verdict) \(.final) \(.released_by.how) \(.holder.pid)"')"
expect_eq "c4: the sidecar, named although its cgroup was gone by then" "sidecar web-0 prod $ID2" \
	"$(vq /c4 '.[0].holder.container | "\(.name) \(.pod) \(.namespace) \(.id)"')"
expect_eq "f-host: a host process, in no container" "unreported null" \
	"$(vq /f-host '.[0] | "\(.verdict) \(.holder.container)"')"
expect_eq "the holder's cgroup id is the container's cgroup directory" \
	"$(stat -c %i "$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)/kubepods/besteffort/pod$POD_UID/$ID")" \
	"$(vq /c1 '.[0].holder.cgroup_id')"

# metrics: the container's verdicts by pod, namespace and container; every verdict at 0 from the start
expect_eq "metrics: c1's REPORTED, by pod, namespace and container" 1 \
	"$(sed -n 's/^wberrwatch_container_verdicts_total{verdict="reported",namespace="prod",pod="web-0",container="db"} //p' "$WORK/m.prom")"
expect_eq "metrics: no RETRIED, exported at 0" 0 \
	"$(sed -n "s/^wberrwatch_verdicts_total{verdict=\"retried\",device=\"$FX_DEV\",errno=\"ENOSPC\"} //p" "$WORK/m.prom")"
expect "promtool check metrics accepts them" promtool check metrics <"$WORK/m.prom"

# text, filtered by container name: the container's two verdicts, nothing of the host's
label="[pod web-0 in namespace prod, container db]"
expect "text: c1 REPORTED, naming pod, namespace and container" \
	grep -qF "$M/c1  REPORTED to wbw-io[$CPID] $label (error" "$WORK/text.out"
expect "text: c2 UNREPORTED, naming them" \
	grep -qE "$M/c2  UNREPORTED: held by wbw-io\[$CPID\] fd [0-9]+, released by close of wbw-io\[$CPID\] .*\] \(error" "$WORK/text.out"
expect "text: c2's line names the container" grep -F "$M/c2" "$WORK/text.out" -q
expect_eq "text: every verdict line names the container" 0 \
	"$(grep ' verdict ' "$WORK/text.out" | grep -vcF "$label")"
expect_eq "--container db: no verdict about the host's process" 0 "$(grep -c 'f-host' "$WORK/text.out")"
expect_eq "--container db: at least c1 and c2" 2 "$(grep ' verdict ' "$WORK/text.out" | grep -oE "$M/c[12] " | sort -u | wc -l)"
finish

#!/usr/bin/env bash
# contrib/wberrwatch.service passes systemd-analyze verify (with ExecStart
# pointed at the binary under test, which must exist for verify), and keeps
# its hardening.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
T=0
ok() { T=$((T + 1)); echo "ok $T - $*"; }
not_ok() { T=$((T + 1)); echo "not ok $T - $*"; }
unit=$root/contrib/wberrwatch.service
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|/usr/local/sbin/wberrwatch|${WBW_BUILD:?}/wberrwatch|" "$unit" >"$dir/wberrwatch.service"
if out=$(systemd-analyze verify --man=no "$dir/wberrwatch.service" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify is clean"
else
	not_ok "systemd-analyze verify: $out"
fi
for key in "NoNewPrivileges=yes" "ProtectSystem=strict" "CapabilityBoundingSet=CAP_BPF CAP_PERFMON" \
	"ReadWritePaths=/var/lib/prometheus/node-exporter" "--metrics-file /var/lib/prometheus/node-exporter/wberrwatch.prom"; do
	if grep -qF -- "$key" "$unit"; then ok "unit has $key"; else not_ok "unit lacks $key"; fi
done
echo "1..$T"

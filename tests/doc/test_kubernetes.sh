#!/usr/bin/env bash
# contrib/kubernetes: offline structural checks (tests/doc/k8s_check.py):
# only known API fields, args the binary's --help lists, one port from
# --listen to the probes, Service and PodMonitor, the image and command the
# Containerfile builds, privilege no more than CAP_BPF and CAP_PERFMON; and
# proof that the checks catch broken copies (a typo hostPid, ...).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
WBW=${WBW_BUILD:?run through tests/run-tests}/wberrwatch
# shellcheck source=tests/doc/lib.sh
source "$root/tests/doc/lib.sh"
help=$(mktemp)
trap 'rm -f "$help"' EXIT

if "$WBW" --help >"$help" 2>&1 && grep -q -- '--listen' "$help"; then ok "wberrwatch --help lists its flags"
else not_ok "wberrwatch --help: $(head -c 500 "$help")"; fi

tap_from "$root/tests/doc/k8s_check.py" "$root/contrib/kubernetes" "$help"
tap_from "$root/tests/doc/k8s_check.py" --selftest "$root/contrib/kubernetes" "$help"
echo "1..$T"

#!/usr/bin/env bash
# The close-path benchmark (bench/overhead.sh) for each release-hook path:
# --hooks=tracepoint on this host (the CI kernel refuses fentry), fentry and
# tracepoint in a guest of Debian's stock 6.12, and kernel in a guest of
# 6.12 built with patches/ (tests/vm/run-guest, patches/build-kernel.sh).
# Every figure is a ratio to a baseline measured in the same run, on the
# same kernel.  The guests run under qemu's software emulation with an
# instruction-counting clock (WBW_VM_ICOUNT=0: 1 ns per emulated
# instruction), so their times are counts of guest instructions: free of
# the host's noise (without it, pair ratios under emulation spread by +-30%
# and no 5% target could be resolved), and a measure of the work the hooks
# add, not of cycles.  Root.
#
#   bench/kernels.sh BUILD_DIR [PAIRS] [GUEST_ITERATIONS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
pairs=${2:-11}
giters=${3:-40000}
out=$build/bench-kernels
rm -rf "$out" && mkdir -p "$out"
rc=0

echo "bench: $(uname -r) (this host), --hooks=tracepoint"
WBW_HOOKS=tracepoint "$here/overhead.sh" "$build" "$pairs" >"$out/host.txt" 2>&1 || rc=1
cat "$out/host.txt"

# the script a guest runs: overhead.sh with the static binary, its output kept
guest=$out/guest.sh
cat >"$guest" <<EOF
#!/bin/bash
WBW_BIN=$build/static/wberrwatch WBW_HOOKS=\$1 $here/overhead.sh $build $pairs $giters
EOF
chmod +x "$guest"
run() {
	local name=$1 kernel=$2 hooks=$3
	echo "bench: $name under qemu, --hooks=$hooks"
	# instruction counting runs the vCPUs in one host thread, which also
	# keeps the many static-key flips here coherent (they crashed MTTCG
	# guests: see tests/vm/run-guest)
	WBW_VM_ICOUNT=0 \
		"$here/../tests/vm/run-guest" "$kernel" "$out/$name" "$guest" "$hooks" >"$out/$name.log" 2>&1 ||
		rc=1
	cat "$out/$name/guest.log" 2>/dev/null || { echo "  (no result; see $out/$name.log)"; rc=1; }
}
run 6.12-stock linux-image-6.12.100+deb12-amd64 fentry
# the CI kernel's path again, where the counts are exact: the host's own
# pairs spread by several per cent
run 6.12-stock-tracepoint linux-image-6.12.100+deb12-amd64 tracepoint
kdir=$("$here/../patches/build-kernel.sh") || { echo "bench: the patched kernel did not build"; exit 1; }
run 6.12-patched "$kdir" kernel
exit $rc

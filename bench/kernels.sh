#!/usr/bin/env bash
# The close-path benchmark (bench/overhead.sh) for each release-hook path:
# --hooks=tracepoint on this host (the CI kernel refuses fentry), fentry in
# a guest of Debian's stock 6.12, and kernel in a guest of 6.12 built with
# patches/ (tests/vm/run-guest, patches/build-kernel.sh).  Every figure is a
# ratio to a baseline measured in the same run, on the same kernel; the
# guests run under qemu's software emulation, where a syscall costs about
# ten times what it costs natively, so their ratios are of the hooks' cost
# relative to emulated syscalls.  Root.
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
	# single-threaded TCG: see tests/vm/run-guest (the many watcher starts
	# and stops here flip static keys often enough to crash MTTCG guests)
	WBW_VM_TCG_THREAD=single \
		"$here/../tests/vm/run-guest" "$kernel" "$out/$name" "$guest" "$hooks" >"$out/$name.log" 2>&1 ||
		rc=1
	cat "$out/$name/guest.log" 2>/dev/null || { echo "  (no result; see $out/$name.log)"; rc=1; }
}
run 6.12-stock linux-image-6.12.100+deb12-amd64 fentry
kdir=$("$here/../patches/build-kernel.sh") || { echo "bench: the patched kernel did not build"; exit 1; }
run 6.12-patched "$kdir" kernel
exit $rc

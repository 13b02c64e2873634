#!/usr/bin/env bash
# Start-up benchmark: exec -> BPF loaded and attached on both writeback-error
# tracepoints -> clean exit, for wberrwatch (--duration 0) and for bpftrace
# attaching the same two tracepoints (-c /bin/true), in the same run.
# Prints both and the ratios.  Needs root.
#
#   make bench            or    bench/startup.sh BUILD_DIR [RUNS]
set -euo pipefail
build=${1:-build}
runs=${2:-21}
here=$(cd "$(dirname "$0")" && pwd)
command -v bpftrace >/dev/null || "$here/../scripts/install-deps" --bench
gcc -O2 -Wall -Wextra -o "$build/runstat" "$here/runstat.c"

bt_prog='tracepoint:filemap:filemap_set_wb_err { @set = count(); }
tracepoint:filemap:file_check_and_advance_wb_err { @obs = count(); }'

echo "kernel $(uname -r), $(nproc) CPUs, $runs runs each, median wall time and peak RSS"
wbw=$("$build/runstat" "$runs" "$build/wberrwatch" --duration 0)
bt=$("$build/runstat" "$runs" bpftrace -e "$bt_prog" -c /bin/true)
echo "wberrwatch --duration 0:  $wbw"
echo "bpftrace -c /bin/true:    $bt"

get() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
awk -v wt="$(get median_ms "$wbw")" -v bt="$(get median_ms "$bt")" \
    -v wr="$(get max_rss_kib "$wbw")" -v br="$(get max_rss_kib "$bt")" 'BEGIN {
	printf "start-up: wberrwatch %.1f ms vs bpftrace %.1f ms: %.1fx faster\n", wt, bt, bt / wt
	printf "peak RSS: wberrwatch %.1f MiB vs bpftrace %.1f MiB: %.1fx leaner\n", wr / 1024, br / 1024, br / wr
	exit !(bt / wt >= 10 && br / wr >= 10 && wt <= 65 && wr <= 10240)
}' && echo "targets (>= 10x, <= 65 ms, <= 10 MiB): met" || { echo "targets (>= 10x, <= 65 ms, <= 10 MiB): NOT met"; exit 1; }

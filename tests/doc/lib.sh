# shellcheck shell=bash
# TAP for the doc tests that drive a Python checker (test_prometheus.sh,
# test_kubernetes.sh): ok/not_ok number the lines, tap_from turns a
# checker's "PASS what" / "FAIL what: why" lines into them.
T=0
ok() { T=$((T + 1)); echo "ok $T - $*"; }
not_ok() { T=$((T + 1)); echo "not ok $T - $*"; }
# Debian's python3 with python3-yaml (scripts/install-deps)
PY=${WBW_PYTHON:-/usr/bin/python3}

# tap_from SCRIPT ARGS...: run a checker under $PY; one that crashed or
# printed nothing fails too
tap_from() {
	local out line
	out=$("$PY" "$@" 2>&1)
	[ -n "$out" ] || { not_ok "$(basename "$1") ${*:2}: no output"; return; }
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "${line#PASS }" ;;
		"FAIL "*) not_ok "${line#FAIL }" ;;
		*) not_ok "$(basename "$1"): $line" ;;
		esac
	done <<<"$out"
}

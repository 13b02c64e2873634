#!/usr/bin/env bash
# contrib/prometheus: the alert rules pass `promtool check rules` and their
# unit tests (`promtool test rules`); contrib/grafana: every query parses as
# PromQL.  Both use only the metric names, labels and label values the tool
# exports, as src/metrics.c, src/correlate.c and src/decode.c write them
# (tests/doc/promql_names.py, which first proves it rejects bad ones).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/doc/lib.sh
source "$root/tests/doc/lib.sh"
rules=$root/contrib/prometheus/wberrwatch.rules.yml
dash=$root/contrib/grafana/wberrwatch.json
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

if out=$(promtool check rules "$rules" 2>&1); then ok "promtool check rules: $(grep -o 'SUCCESS.*' <<<"$out")"
else not_ok "promtool check rules: $out"; fi
if out=$(cd "$root/contrib/prometheus" && promtool test rules wberrwatch.rules.test.yml 2>&1); then
	ok "promtool test rules wberrwatch.rules.test.yml"
else
	not_ok "promtool test rules: $(tr -s '\n' ' ' <<<"$out" | cut -c1-2000)"
fi

tap_from "$root/tests/doc/promql_names.py" selftest
tap_from "$root/tests/doc/promql_names.py" rules "$rules"
tap_from "$root/tests/doc/promql_names.py" grafana "$dash"

# every dashboard query is PromQL: as recording rules, with Grafana's
# variables given values, promtool parses them
"$PY" - "$dash" >"$dir/dash.rules.yml" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard\n    rules:")
n = 0
for p in d["panels"]:
    for t in p.get("targets", []):
        e = t["expr"].replace("$__rate_interval", "5m").replace("$__range", "1h")
        e = e.replace("$instance", ".*")
        n += 1
        print("      - record: dashboard:q%d\n        expr: %s" % (n, json.dumps(e)))
PYEOF
if out=$(promtool check rules "$dir/dash.rules.yml" 2>&1); then
	ok "every dashboard query parses ($(grep -o '[0-9]* rules' <<<"$out"))"
else
	not_ok "a dashboard query does not parse: $out"
fi
ids=$(jq -r '[.panels[].id] | (length == (unique | length))' "$dash" 2>&1)
if [ "$ids" = true ]; then ok "dashboard panel ids are unique"; else not_ok "dashboard panel ids: $ids"; fi
if [ "$(jq -r .uid "$dash")" = wberrwatch ]; then ok "dashboard uid is wberrwatch"; else not_ok "dashboard uid"; fi
echo "1..$T"

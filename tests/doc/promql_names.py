#!/usr/bin/env python3
"""Which metric names, labels and label values PromQL expressions use, held
against what wberrwatch exports: names and labels read from src/metrics.c,
verdict values from src/correlate.c, record kinds from src/decode.c (the
code that writes them, not a hand list).

  promql_names.py facts                  what the tool exports
  promql_names.py rules FILE.yml         every expr of a Prometheus rule file
  promql_names.py grafana FILE.json      every expr of a Grafana dashboard
  promql_names.py selftest               the checker rejects known-bad exprs

Prints one "PASS what" or "FAIL what: why" line per check, for
tests/doc/test_prometheus.sh to number as TAP.
"""
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
# labels Prometheus adds to every scraped series (the target's)
TARGET_LABELS = {"job", "instance"}
# series that are not wberrwatch's but that the rules rely on to see a
# watcher stop: Prometheus's own up, node_exporter's textfile mtime
RULES_FOREIGN = {"up": set(), "node_textfile_mtime_seconds": {"file"}}
KEYWORDS = {"and", "or", "unless", "offset", "bool", "by", "without", "on",
            "ignoring", "group_left", "group_right", "inf", "nan", "atan2"}


def src(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def tool_facts():
    m = src("src/metrics.c")
    names = set(re.findall(r'header\(&s, "([a-z_:]+)"', m))
    # label names as the format strings write them: name=\"
    labels = set(re.findall(r'([a-z_]+)=\\"', m))
    c = src("src/correlate.c")
    body = c[c.index("wbw_verdict_name("):]
    verdicts = set(re.findall(r'\[WBW_V_[A-Z]+\] = "([a-z]+)"', body[:body.index("}")]))
    d = src("src/decode.c")
    body = d[d.index("wbw_rec_kind_key("):]
    kinds = set(re.findall(r'\[WBW_REC_[A-Z_]+\] = "([a-z_]+)"', body[:body.index("};")]))
    return {"names": names, "labels": labels,
            "values": {"verdict": verdicts, "kind": kinds}}


MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


def check_expr(expr, facts, foreign=None):
    """Problems with one expression: [] when it uses only what is exported."""
    foreign = foreign or {}
    problems = []
    names_ok = facts["names"] | set(foreign)
    labels_ok = facts["labels"] | TARGET_LABELS | set().union(*foreign.values(), set())
    e = expr
    # Grafana's label_values(METRIC, LABEL): a metric and a label
    for metric, label in re.findall(r'label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*(\w+)\s*\)', e):
        if metric not in names_ok:
            problems.append("unknown metric " + metric)
        if label not in labels_ok:
            problems.append("unknown label " + label)
    e = re.sub(r'label_values\([^)]*\)', " ", e)
    # selectors: METRIC{matchers} or {matchers}
    for metric, body in re.findall(r'([a-zA-Z_:][\w:]*)?\s*\{([^}]*)\}', e):
        for label, op, value in MATCHER.findall(body):
            if label == "__name__":
                problems.append("matches metric names by regex: " + value)
                continue
            if label not in labels_ok:
                problems.append("unknown label %s in %s" % (label, metric or "{}"))
            allowed = facts["values"].get(label)
            if allowed is not None and op in ("=", "=~"):
                vals = value.split("|") if op == "=~" else [value]
                for v in vals:
                    if not re.fullmatch(r"[a-z_]+", v):
                        problems.append("cannot check %s value %r" % (label, v))
                    elif v not in allowed:
                        problems.append("%s=%r is never exported" % (label, v))
        leftover = MATCHER.sub("", body).replace(",", "").strip()
        if leftover:
            problems.append("unparsed matchers {%s}" % body)
    e = re.sub(r'"(?:[^"\\]|\\.)*"', " ", e)  # strings
    e = re.sub(r'\{[^}]*\}', " ", e)         # matchers, checked above
    e = re.sub(r'\[[^\]]*\]', " ", e)        # ranges, $__rate_interval
    for clause in re.findall(r'\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)', e):
        for label in re.findall(r'\w+', clause):
            if label not in labels_ok:
                problems.append("unknown label %s in a by/on clause" % label)
    e = re.sub(r'\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)', " ", e)
    e = re.sub(r'\$\{?\w+\}?', " ", e)      # Grafana variables elsewhere
    for m in re.finditer(r'(?<![\w.$])([a-zA-Z_:][\w:]*)(\s*\()?', e):
        ident, call = m.group(1), m.group(2)
        if call or ident in KEYWORDS:
            continue
        if ident not in names_ok:
            problems.append("unknown metric " + ident)
    return problems


def rule_exprs(path):
    import yaml
    with open(path) as f:
        doc = yaml.safe_load(f)
    for g in doc["groups"]:
        for r in g["rules"]:
            yield r.get("alert") or r.get("record"), r["expr"], r


def grafana_exprs(path):
    with open(path) as f:
        dash = json.load(f)
    for p in dash.get("panels", []):
        for t in p.get("targets", []):
            yield "panel %r %s" % (p.get("title"), t.get("refId")), t["expr"]
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        if isinstance(q, dict):
            q = q.get("query")
        if v.get("type") == "query":
            yield "variable $%s" % v["name"], q


def report(what, problems):
    if problems:
        print("FAIL %s: %s" % (what, "; ".join(problems)))
    else:
        print("PASS %s" % what)
    return not problems


def main():
    facts = tool_facts()
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    ok = True
    if mode == "facts":
        print("metrics:", " ".join(sorted(facts["names"])))
        print("labels:", " ".join(sorted(facts["labels"])))
        for k, v in sorted(facts["values"].items()):
            print("%s values: %s" % (k, " ".join(sorted(v))))
        return 0
    if mode == "rules":
        for name, expr, rule in rule_exprs(sys.argv[2]):
            probs = check_expr(expr, facts, RULES_FOREIGN)
            # the annotations may only name labels the alert can have
            text = json.dumps(rule.get("annotations", {}))
            labels_ok = facts["labels"] | TARGET_LABELS | {"file"}
            for label in re.findall(r'\$labels\.(\w+)', text):
                if label not in labels_ok:
                    probs.append("annotation names unknown label " + label)
            ok &= report("rule %s uses only exported names and labels" % name, probs)
    elif mode == "grafana":
        n = 0
        for what, expr in grafana_exprs(sys.argv[2]):
            n += 1
            ok &= report("%s uses only exported names and labels" % what, check_expr(expr, facts))
        ok &= report("the dashboard has queries", [] if n else ["none found"])
    elif mode == "selftest":
        bad = {
            "a misspelt metric": 'rate(wberrwatch_verdict_total[5m])',
            "a metric of another exporter": 'sum(node_load1)',
            "a verdict value never exported": 'wberrwatch_verdicts_total{verdict="unreportd"}',
            "one bad value in a regex": 'wberrwatch_verdicts_total{verdict=~"unseen|lost"}',
            "a label nobody exports": 'sum by (node) (wberrwatch_verdicts_total)',
            "a label in a matcher": 'wberrwatch_tracked_files{node="x"}',
            "a label_values label": 'label_values(wberrwatch_build_info, node)',
            "an unknown series in a binary op": 'wberrwatch_tracked_files / on(instance) wberrwatch_files',
        }
        for what, expr in bad.items():
            probs = check_expr(expr, facts)
            ok &= report("the checker rejects %s (%s)" % (what, expr),
                         [] if probs else ["accepted"])
        good = 'sum by (device, errno) (increase(wberrwatch_writeback_errors_total{instance=~"$instance"}[$__rate_interval])) > 0 or wberrwatch_verdicts_total{verdict="unseen"} offset 15m'
        ok &= report("the checker accepts a good expression", check_expr(good, facts))
        ok &= report("the tool's metric names were found in src/metrics.c",
                     [] if len(facts["names"]) >= 8 and "wberrwatch_verdicts_total" in facts["names"]
                     else ["found %s" % sorted(facts["names"])])
        ok &= report("verdict names and record kinds were found in the sources",
                     [] if {"unreported", "retried", "unseen"} <= facts["values"]["verdict"]
                     and "set_err" in facts["values"]["kind"] else ["found %s" % facts["values"]])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

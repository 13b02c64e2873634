#!/usr/bin/env python3
"""Offline structural checks of contrib/kubernetes/*.yaml.

  k8s_check.py DIR HELP_FILE        check the manifests in DIR
  k8s_check.py --selftest DIR HELP_FILE
                                    the same checks on broken copies: each
                                    must be caught

Every key must be one of the Kubernetes API fields in the allow-list below
(the ones these manifests use, with their types): a typo such as hostPid
fails instead of being dropped by the API server.  Then the deployment is
held to what wberrwatch needs and accepts: its args are flags its --help
lists, the port it listens on is the one probed and scraped, the image and
command match the Containerfile, privilege is only CAP_BPF, CAP_PERFMON
and CAP_SYS_NICE, and host paths are read-only and ones the watcher reads.  Prints "PASS what" / "FAIL what: why" lines.
"""
import copy
import glob
import os
import re
import sys

import yaml

# what the watcher reads from the host: BTF, cgroupfs, and where containerd
# and CRI-O keep each container's config.json (docs/containers.md)
HOST_PATHS = ("/sys/kernel/btf", "/sys/fs/cgroup", "/proc",
              "/run/containerd/io.containerd.runtime.v2.task", "/run/containers/storage")

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# --- the allow-list: API fields by object, a type or a nested dict/list ----
STRMAP = "map[string]string"
META = {"name": str, "namespace": str, "labels": STRMAP, "annotations": STRMAP}
LABEL_SELECTOR = {"matchLabels": STRMAP}
HTTP_PROBE = {"httpGet": {"path": str, "port": (str, int)}, "initialDelaySeconds": int,
              "periodSeconds": int, "timeoutSeconds": int, "failureThreshold": int,
              "successThreshold": int}
CONTAINER = {
    "name": str, "image": str, "imagePullPolicy": str, "command": [str], "args": [str],
    "ports": [{"name": str, "containerPort": int, "protocol": str}],
    "securityContext": {
        "privileged": bool, "allowPrivilegeEscalation": bool, "readOnlyRootFilesystem": bool,
        "runAsUser": int, "runAsNonRoot": bool,
        "capabilities": {"drop": [str], "add": [str]},
        "seccompProfile": {"type": str, "localhostProfile": str},
    },
    "volumeMounts": [{"name": str, "mountPath": str, "readOnly": bool}],
    "startupProbe": HTTP_PROBE, "readinessProbe": HTTP_PROBE, "livenessProbe": HTTP_PROBE,
    "resources": {"requests": {"cpu": str, "memory": str}, "limits": {"cpu": str, "memory": str}},
}
POD_SPEC = {
    "hostPID": bool, "automountServiceAccountToken": bool,
    "tolerations": [{"operator": str, "key": str, "effect": str, "value": str}],
    "terminationGracePeriodSeconds": int, "containers": [CONTAINER],
    "volumes": [{"name": str, "hostPath": {"path": str, "type": str}}],
}
SCHEMAS = {
    ("v1", "Namespace"): {"apiVersion": str, "kind": str, "metadata": META},
    ("apps/v1", "DaemonSet"): {
        "apiVersion": str, "kind": str, "metadata": META,
        "spec": {"selector": LABEL_SELECTOR,
                 "updateStrategy": {"type": str, "rollingUpdate": {"maxUnavailable": (int, str)}},
                 "template": {"metadata": META, "spec": POD_SPEC}}},
    ("v1", "Service"): {
        "apiVersion": str, "kind": str, "metadata": META,
        "spec": {"clusterIP": str, "selector": STRMAP,
                 "ports": [{"name": str, "port": int, "targetPort": (str, int), "protocol": str}]}},
    ("monitoring.coreos.com/v1", "PodMonitor"): {
        "apiVersion": str, "kind": str, "metadata": META,
        "spec": {"jobLabel": str, "namespaceSelector": {"matchNames": [str]},
                 "selector": LABEL_SELECTOR,
                 "podMetricsEndpoints": [{"port": str, "path": str, "interval": str,
                                          "scrapeTimeout": str,
                                          "relabelings": [{"sourceLabels": [str],
                                                           "targetLabel": str}]}]}},
}


def walk(node, schema, path, problems):
    """Every key known, every value of its type."""
    if schema == STRMAP:
        if not isinstance(node, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in node.items()):
            problems.append("%s: not a map of strings" % path)
    elif isinstance(schema, dict):
        if not isinstance(node, dict):
            problems.append("%s: not an object" % path)
            return
        for k, v in node.items():
            if k not in schema:
                problems.append("%s.%s: unknown field" % (path, k))
            else:
                walk(v, schema[k], "%s.%s" % (path, k), problems)
    elif isinstance(schema, list):
        if not isinstance(node, list):
            problems.append("%s: not a list" % path)
            return
        for i, v in enumerate(node):
            walk(v, schema[0], "%s[%d]" % (path, i), problems)
    else:
        types = schema if isinstance(schema, tuple) else (schema,)
        # bool is an int in Python: true where a number belongs is a mistake
        if not isinstance(node, types) or (isinstance(node, bool) and bool not in types):
            problems.append("%s: %r is not %s" % (path, node, "/".join(t.__name__ for t in types)))


def help_flags(help_text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", help_text))


def served_paths():
    """The paths src/httpd.c's router answers 200 for."""
    with open(os.path.join(ROOT, "src/httpd.c")) as f:
        src = f.read()
    body = src[src.index("int wbw_http_route("):]
    body = body[:body.index("\n}\n")]
    return set(re.findall(r'"(/[\w/.-]*)"', body))


def check(docs, help_text, containerfile, version, rules_text):
    """[(what, [problems])] for the manifests as loaded."""
    out = []
    by_kind = {}
    for name, d in docs:
        key = (d.get("apiVersion"), d.get("kind")) if isinstance(d, dict) else None
        probs = []
        if key not in SCHEMAS:
            probs.append("unknown apiVersion/kind %r" % (key,))
        else:
            walk(d, SCHEMAS[key], key[1], probs)
            by_kind[key[1]] = d
        out.append(("%s: only known Kubernetes fields, of their types" % name, probs))
    for kind in ("Namespace", "DaemonSet", "Service", "PodMonitor"):
        out.append(("there is a %s" % kind, [] if kind in by_kind else ["missing"]))
    ds = by_kind.get("DaemonSet")
    if not ds:
        return out
    pod = ds["spec"]["template"]["spec"]
    cs = pod.get("containers", [])
    out.append(("the DaemonSet has one container", [] if len(cs) == 1 else ["%d" % len(cs)]))
    c = cs[0] if cs else {}
    sc = c.get("securityContext", {})
    caps = sc.get("capabilities", {})
    out.append(("hostPID: true", [] if pod.get("hostPID") is True else ["hostPID is %r" % pod.get("hostPID")]))
    out.append(("not privileged, no privilege escalation, read-only root",
                ["%s is %r" % (k, sc.get(k)) for k, want in
                 (("privileged", False), ("allowPrivilegeEscalation", False),
                  ("readOnlyRootFilesystem", True)) if sc.get(k) is not want]))
    # SYS_NICE: the watcher renices itself (WBW_WATCHER_NICE, src/app.h) for an early first look
    out.append(("capabilities: drop ALL, add exactly BPF, PERFMON and SYS_NICE",
                ([] if caps.get("drop") == ["ALL"] else ["drop %r" % caps.get("drop")]) +
                ([] if sorted(caps.get("add", [])) == ["BPF", "PERFMON", "SYS_NICE"]
                 else ["add %r" % caps.get("add")])))
    out.append(("no host network or IPC", ["%s set" % k for k in ("hostNetwork", "hostIPC") if pod.get(k)]))
    # the command is the Containerfile's entrypoint, the image its version
    m = re.search(r'^ENTRYPOINT \["([^"]+)"\]', containerfile, re.M)
    entry = m.group(1) if m else None
    out.append(("the command is the Containerfile's ENTRYPOINT (%s)" % entry,
                [] if entry and c.get("command") == [entry] else ["command %r" % c.get("command")]))
    m = re.search(r"^COPY (\S+) (\S+)$", containerfile, re.M)
    out.append(("the Containerfile copies make static's binary to the ENTRYPOINT",
                [] if m and m.group(1) == "build/static/wberrwatch" and m.group(2) == entry
                else ["COPY %r" % (m.groups() if m else None,)]))
    out.append(("the image is wberrwatch:%s (VERSION)" % version,
                [] if c.get("image") == "wberrwatch:" + version else ["image %r" % c.get("image")]))
    labels = ds["metadata"].get("labels", {})
    out.append(("the version label is VERSION",
                [] if labels.get("app.kubernetes.io/version") == version else ["%r" % labels]))
    # the args: flags the binary lists, and a --listen that serves the pod
    flags = help_flags(help_text)
    args = c.get("args", [])
    out.append(("every arg flag is one wberrwatch --help lists",
                ["%s unknown" % a.split("=")[0] for a in args
                 if a.startswith("-") and a.split("=")[0] not in flags]))
    listen = None
    for i, a in enumerate(args):
        if a == "--listen" and i + 1 < len(args):
            listen = args[i + 1]
        elif a.startswith("--listen="):
            listen = a.split("=", 1)[1]
    m = re.fullmatch(r"(0\.0\.0\.0|\[::\]):(\d+)", listen or "")
    out.append(("--listen serves every pod interface (%s)" % listen,
                [] if m else ["not 0.0.0.0:PORT or [::]:PORT: %r" % listen]))
    port = int(m.group(2)) if m else None
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports", [])}
    out.append(("the port named metrics is --listen's",
                [] if port and ports.get("metrics") == port else ["ports %r" % ports]))
    served = served_paths()
    out.append(("src/httpd.c serves /metrics", [] if served == {"/metrics"} else ["%r" % served]))
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        g = c.get(probe, {}).get("httpGet", {})
        out.append(("%s: GET a path src/httpd.c serves, on the metrics port" % probe,
                    [] if g.get("path") in served and g.get("port") in ("metrics", port)
                    else ["%r" % g]))
    res = c.get("resources", {})
    out.append(("requests and limits for cpu and memory",
                ["%s.%s missing" % (k, r) for k in ("requests", "limits") for r in ("cpu", "memory")
                 if r not in res.get(k, {})]))
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    probs = []
    for vm in c.get("volumeMounts", []):
        v = vols.get(vm.get("name"))
        if not v:
            probs.append("mount %r has no volume" % vm.get("name"))
        elif "hostPath" in v and not vm.get("readOnly"):
            probs.append("host path %s mounted writable" % v["hostPath"]["path"])
        elif "hostPath" in v and v["hostPath"]["path"] not in HOST_PATHS:
            probs.append("host path %s not one the watcher reads" % v["hostPath"]["path"])
        elif "hostPath" in v and vm.get("mountPath") != v["hostPath"]["path"]:
            probs.append("host path %s mounted at %s: the watcher looks where the host has it"
                         % (v["hostPath"]["path"], vm.get("mountPath")))
    out.append(("host paths are mounted read-only where the host has them, and only BTF, "
                "cgroup, proc or the runtimes' container state", probs))
    # one set of labels ties the objects together
    tpl = ds["spec"]["template"]["metadata"].get("labels", {})
    sel = ds["spec"]["selector"]["matchLabels"]
    out.append(("the DaemonSet selects its own pods",
                [] if sel and all(tpl.get(k) == v for k, v in sel.items()) else ["%r vs %r" % (sel, tpl)]))
    ns = ds["metadata"].get("namespace")
    svc = by_kind.get("Service")
    if svc:
        s = svc["spec"]
        sp = {p.get("name"): p for p in s.get("ports", [])}.get("metrics", {})
        out.append(("the Service selects the pods, on the metrics port",
                    ([] if s.get("selector") and all(tpl.get(k) == v for k, v in s["selector"].items())
                     else ["selector %r" % s.get("selector")]) +
                    ([] if sp.get("targetPort") in ("metrics", port) and sp.get("port") == port
                     else ["port %r" % sp]) +
                    ([] if svc["metadata"].get("namespace") == ns else ["namespace"])))
    pm = by_kind.get("PodMonitor")
    if pm:
        s = pm["spec"]
        eps = s.get("podMetricsEndpoints", [])
        job = tpl.get(s.get("jobLabel"))
        rules_job = re.findall(r'up\{job="([^"]+)"\}', rules_text)
        out.append(("the PodMonitor scrapes the pods' metrics port at /metrics",
                    ([] if s.get("selector", {}).get("matchLabels") and
                     all(tpl.get(k) == v for k, v in s["selector"]["matchLabels"].items())
                     else ["selector"]) +
                    ([] if ns in s.get("namespaceSelector", {}).get("matchNames", []) else ["namespace"]) +
                    ([] if eps and all(e.get("port") == "metrics" and e.get("path") in served_paths()
                                       for e in eps) else ["endpoints %r" % eps])))
        out.append(("the PodMonitor's job label is the one the alert rules use (%s)" % job,
                    [] if job and rules_job and set(rules_job) == {job} else
                    ["job %r, rules %r" % (job, rules_job)]))
    return out


def load(d):
    docs = []
    for path in sorted(glob.glob(os.path.join(d, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.basename(path), doc))
    return docs


def mutants(docs):
    """Broken copies, each of which the checks must catch."""
    def ds(docs):
        return next(d for _, d in docs if d.get("kind") == "DaemonSet")

    def pod(docs):
        return ds(docs)["spec"]["template"]["spec"]

    def ctr(docs):
        return pod(docs)["containers"][0]

    def rename(m, old, new):
        m[new] = m.pop(old)

    edits = {
        "a typo hostPid": lambda d: rename(pod(d), "hostPID", "hostPid"),
        "a typo readOnlyRootFileSystem": lambda d: rename(ctr(d)["securityContext"], "readOnlyRootFilesystem", "readOnlyRootFileSystem"),
        "a string where a bool belongs": lambda d: pod(d).__setitem__("hostPID", "true"),
        "privileged: true": lambda d: ctr(d)["securityContext"].__setitem__("privileged", True),
        "CAP_SYS_ADMIN added": lambda d: ctr(d)["securityContext"]["capabilities"]["add"].append("SYS_ADMIN"),
        "CAP_SYS_NICE left out": lambda d: ctr(d)["securityContext"]["capabilities"]["add"].remove("SYS_NICE"),
        "a host path the watcher does not read": lambda d: pod(d)["volumes"][0]["hostPath"].__setitem__("path", "/etc"),
        "an unknown flag --lisen": lambda d: ctr(d).__setitem__("args", ["--lisen", "0.0.0.0:9465"]),
        "--listen on loopback only": lambda d: ctr(d).__setitem__("args", ["--listen", "9465"]),
        "a probe on another path": lambda d: ctr(d)["livenessProbe"]["httpGet"].__setitem__("path", "/healthz"),
        "another image": lambda d: ctr(d).__setitem__("image", "wberrwatch:latest"),
        "a writable host path": lambda d: ctr(d)["volumeMounts"][0].__setitem__("readOnly", False),
        "no memory limit": lambda d: ctr(d)["resources"]["limits"].pop("memory"),
        "hostNetwork": lambda d: pod(d).__setitem__("hostNetwork", True),
    }
    for what, edit in edits.items():
        broken = copy.deepcopy(docs)
        edit(broken)
        yield what, broken


def main():
    selftest = sys.argv[1] == "--selftest"
    d, help_file = sys.argv[2:4] if selftest else sys.argv[1:3]
    with open(help_file) as f:
        help_text = f.read()
    with open(os.path.join(d, "Containerfile")) as f:
        containerfile = f.read()
    with open(os.path.join(ROOT, "VERSION")) as f:
        version = f.read().strip()
    with open(os.path.join(ROOT, "contrib/prometheus/wberrwatch.rules.yml")) as f:
        rules_text = f.read()
    docs = load(d)
    ok = True
    if selftest:
        for what, broken in mutants(docs):
            caught = [w for w, p in check(broken, help_text, containerfile, version, rules_text) if p]
            ok &= bool(caught)
            print("%s the checks catch %s%s" % ("PASS" if caught else "FAIL", what,
                                                ": by '%s'" % caught[0] if caught else ": missed"))
        return 0 if ok else 1
    for what, probs in check(docs, help_text, containerfile, version, rules_text):
        ok &= not probs
        print("PASS %s" % what if not probs else "FAIL %s: %s" % (what, "; ".join(probs)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

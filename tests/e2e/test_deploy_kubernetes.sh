#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deploy/kubernetes, validated offline (no cluster, no kubectl): the YAML
# loads (python3-yaml) and every field that matters is checked: known keys
# only (a typo is an error), hostPID, no privileged container, capabilities
# (dropped ALL, added only those the systemd unit allows and docs/fleet.md
# explains), the host mounts (BTF, tracefs), the textfile shared with the
# node_exporter sidecar at the path the config writes, resources at least
# what the agent uses here (measured now, host-wide: RSS peak plus the BPF
# maps charged to its memory cgroup), a liveness probe that passes on a fresh
# textfile and fails on a stale one, and the kube-prometheus PodMonitor and
# PrometheusRule in step with the DaemonSet and deploy/prometheus.
. "$(dirname "$0")/lib.sh"
K=deploy/kubernetes

# --- what the agent uses here, host-wide, default options ---
"$LW" --json -d 4 --prom-file "$T/lw.prom" >"$T/full.json" 2>"$T/agent.err" &
apid=$!
sleep 3
hwm=$(awk '/^VmHWM:/ { print $2 * 1024 }' /proc/$apid/status)
maps=0
for f in /proc/$apid/fdinfo/*; do
	grep -q '^map_type:' "$f" 2>/dev/null || continue
	maps=$((maps + $(awk '/^memlock:/ { print $2 }' "$f")))
done
wait $apid
note "agent here: peak RSS $((hwm / 1024)) KiB, BPF maps $((maps / 1048576)) MiB"

/usr/bin/python3 - "$K" tools/loopwatch.service tools/loopwatch.conf docs/fleet.md \
	deploy/prometheus/loopwatch.rules.yml "$hwm" "$maps" "$("$LW" --version | awk '{ print $2 }')" \
	>"$T/facts" 2>&1 <<'PY'
import os, re, shlex, sys, yaml
K, unit, conf, doc, rules, hwm, maps, version = sys.argv[1:9]
hwm, maps = int(hwm), int(maps)
out = []
def check(desc, cond, detail=""):
    print(("ok" if cond else "bad") + "\t" + desc + ("" if cond else "\t" + str(detail)))

docs = list(yaml.safe_load_all(open(K + "/loopwatch.yaml")))
kinds = {d["kind"]: d for d in docs}
check("loopwatch.yaml has a ServiceAccount, a ConfigMap and a DaemonSet",
      sorted(kinds) == ["ConfigMap", "DaemonSet", "ServiceAccount"], sorted(kinds))
api = {"ServiceAccount": "v1", "ConfigMap": "v1", "DaemonSet": "apps/v1"}
check("apiVersions are the served ones (v1, apps/v1)",
      all(d["apiVersion"] == api[d["kind"]] for d in docs))
check("everything is in the namespace kube-prometheus scrapes (monitoring)",
      all(d["metadata"].get("namespace") == "monitoring" for d in docs))
ds = kinds["DaemonSet"]
spec = ds["spec"]; pod = spec["template"]["spec"]

# known keys only: a subset of the Kubernetes API, enough for these objects
KEYS = {
 "pod": {"serviceAccountName", "automountServiceAccountToken", "hostPID", "hostNetwork", "hostIPC",
         "tolerations", "nodeSelector", "priorityClassName", "terminationGracePeriodSeconds",
         "containers", "initContainers", "volumes", "securityContext", "affinity", "dnsPolicy"},
 "container": {"name", "image", "imagePullPolicy", "command", "args", "env", "ports", "securityContext",
               "resources", "livenessProbe", "readinessProbe", "startupProbe", "volumeMounts", "workingDir"},
 "securityContext": {"privileged", "runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem",
                     "allowPrivilegeEscalation", "capabilities", "seccompProfile", "appArmorProfile",
                     "seLinuxOptions", "procMount"},
 "probe": {"exec", "httpGet", "tcpSocket", "initialDelaySeconds", "periodSeconds", "timeoutSeconds",
           "failureThreshold", "successThreshold"},
 "volumeMount": {"name", "mountPath", "readOnly", "subPath", "mountPropagation"},
 "volume": {"name", "hostPath", "emptyDir", "configMap", "secret", "projected"},
 "ds": {"selector", "updateStrategy", "template", "minReadySeconds", "revisionHistoryLimit"},
}
bad = []
def known(kind, d, where):
    for k in d:
        if k not in KEYS[kind]:
            bad.append("%s.%s" % (where, k))
known("ds", spec, "spec"); known("pod", pod, "pod")
for c in pod["containers"]:
    known("container", c, c["name"])
    known("securityContext", c.get("securityContext", {}), c["name"] + ".securityContext")
    for p in ("livenessProbe", "readinessProbe", "startupProbe"):
        if p in c: known("probe", c[p], c["name"] + "." + p)
    for m in c.get("volumeMounts", []): known("volumeMount", m, c["name"] + ".volumeMounts")
for v in pod["volumes"]: known("volume", v, "volumes")
check("only known Kubernetes fields (no typo)", not bad, bad)
tl = spec["template"]["metadata"]["labels"]
check("the selector matches the pod template's labels",
      all(tl.get(k) == v for k, v in spec["selector"]["matchLabels"].items()))

check("hostPID: true (the kernel's pids and /proc are the host's)", pod.get("hostPID") is True)
check("no hostNetwork, no hostIPC", not pod.get("hostNetwork") and not pod.get("hostIPC"))
check("no container is privileged",
      all(not c.get("securityContext", {}).get("privileged") for c in pod["containers"]))
lw = next(c for c in pod["containers"] if c["name"] == "loopwatch")
sc = lw["securityContext"]
caps = sc["capabilities"]
check("the agent drops ALL capabilities first", caps.get("drop") == ["ALL"])
add = set(caps.get("add", []))
m = re.search(r'^CapabilityBoundingSet=(.*)$', open(unit).read(), re.M)
unit_caps = {c.replace("CAP_", "") for c in m.group(1).split()}
check("it adds BPF and PERFMON (load and attach)", {"BPF", "PERFMON"} <= add, add)
check("every capability it adds is one the systemd unit allows", add <= unit_caps, add - unit_caps)
fleet = open(doc).read()
for c in sorted(add | unit_caps):
    check("docs/fleet.md explains CAP_%s" % c, ("`CAP_%s`" % c) in fleet)
check("allowPrivilegeEscalation: false only without SYS_ADMIN (the API server refuses both)",
      not (sc.get("allowPrivilegeEscalation") is False and "SYS_ADMIN" in add))
check("read-only root filesystem, seccomp RuntimeDefault",
      sc.get("readOnlyRootFilesystem") is True and sc.get("seccompProfile", {}).get("type") == "RuntimeDefault")
check("the agent runs as root (uid 0: its capabilities are not ambient)", sc.get("runAsUser") == 0)

vols = {v["name"]: v for v in pod["volumes"]}
mounts = {m["mountPath"]: m for m in lw["volumeMounts"]}
used = {m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])}
check("every volume mounted exists and every volume is mounted", used == set(vols), (used, set(vols)))
for path in ("/sys/kernel/btf", "/sys/kernel/tracing"):
    mt = mounts.get(path, {})
    v = vols.get(mt.get("name"), {})
    check("host %s is mounted read-only at the same path" % path,
          v.get("hostPath", {}).get("path") == path and mt.get("readOnly") is True, mt)
check("no hostPath /proc (hostPID gives the container the host's /proc) and no / or /sys whole",
      not any(v.get("hostPath", {}).get("path") in ("/proc", "/", "/sys") for v in vols.values()))

cm = kinds["ConfigMap"]["data"]
check("the ConfigMap's loopwatch.conf is the package's default (tools/loopwatch.conf)",
      cm.get("loopwatch.conf") == open(conf).read())
prom = re.search(r'^prom_file\s*=\s*(\S+)', cm["loopwatch.conf"], re.M).group(1)
cmd = " ".join(lw.get("command", []) + lw.get("args", []))
cfgarg = re.search(r'--config[ =](\S+)', cmd)
cmount = next((m for m in lw["volumeMounts"] if vols[m["name"]].get("configMap")), None)
check("the agent reads the ConfigMap's file",
      cfgarg and cmount and cfgarg.group(1) == cmount["mountPath"] + "/loopwatch.conf", cmd)
tmount = mounts.get(os.path.dirname(prom))
ne = next(c for c in pod["containers"] if c["name"] == "node-exporter")
ndir = next(a.split("=", 1)[1] for a in ne["args"] if a.startswith("--collector.textfile.directory="))
nmount = next((m for m in ne["volumeMounts"] if m["mountPath"] == ndir), None)
check("the textfile directory (%s) is shared with the node_exporter sidecar" % os.path.dirname(prom),
      tmount and nmount and tmount["name"] == nmount["name"] and nmount.get("readOnly") is True)
check("the sidecar runs only the textfile collector, unprivileged",
      "--collector.disable-defaults" in ne["args"] and ne["securityContext"].get("runAsNonRoot") is True
      and ne["securityContext"]["capabilities"]["drop"] == ["ALL"])

def qty(s):
    s = str(s)
    mul = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "m": 0.001, "k": 1000, "M": 1e6, "G": 1e9}
    for suf, f in mul.items():
        if s.endswith(suf): return float(s[:-len(suf)]) * f
    return float(s)
for c in pod["containers"]:
    r = c.get("resources", {})
    ok = all(k in r.get(w, {}) for w in ("requests", "limits") for k in ("cpu", "memory"))
    check("%s: cpu and memory requests and limits" % c["name"], ok, r)
    if ok:
        check("%s: requests within limits" % c["name"],
              all(qty(r["requests"][k]) <= qty(r["limits"][k]) for k in ("cpu", "memory")))
need = hwm + maps
req = qty(lw["resources"]["requests"]["memory"]); lim = qty(lw["resources"]["limits"]["memory"])
check("memory request covers what the agent used here (peak RSS + maps = %d MiB)" % (need >> 20),
      req >= need, "request %d MiB" % (req / 1048576))
check("memory limit leaves room above it (x1.5)", lim >= 1.5 * need, "limit %d MiB" % (lim / 1048576))
lp = lw.get("livenessProbe", {})
check("a liveness probe runs a command on the textfile", prom in " ".join(lp.get("exec", {}).get("command", [])))
print("probe\t" + shlex.join(lp["exec"]["command"]).replace(prom, "@PROM@"))
check("the image is the version built here", lw["image"].endswith(":" + version), lw["image"])

# kube-prometheus
kp = {d["kind"]: d for d in yaml.safe_load_all(open(K + "/kube-prometheus.yaml"))}
check("kube-prometheus.yaml has a PodMonitor and a PrometheusRule", set(kp) == {"PodMonitor", "PrometheusRule"})
pmon = kp["PodMonitor"]["spec"]
check("the PodMonitor selects the loopwatch pods",
      all(tl.get(k) == v for k, v in pmon["selector"]["matchLabels"].items()))
ports = {p["name"] for c in pod["containers"] for p in c.get("ports", [])}
check("the PodMonitor scrapes the sidecar's named port", all(e["port"] in ports for e in pmon["podMetricsEndpoints"]))
check("instance is the node's name (as kube-prometheus labels node-exporter)",
      any(r.get("targetLabel") == "instance" and r.get("sourceLabels") == ["__meta_kubernetes_pod_node_name"]
          for e in pmon["podMetricsEndpoints"] for r in e.get("relabelings", [])))
check("the PrometheusRule holds exactly deploy/prometheus/loopwatch.rules.yml (gen-kube-prometheus.py)",
      kp["PrometheusRule"]["spec"] == yaml.safe_load(open(rules)))
df = open(K + "/Dockerfile").read()
check("the Dockerfile installs the package make deb builds",
      ("loopwatch_%s_amd64.deb" % version) in df)
PY
while IFS=$'\t' read -r res desc detail; do
	case $res in
	ok) ok "$desc" ;;
	bad) nok "$desc"; echo "#   $detail" ;;
	probe) probe=$desc ;;
	*) nok "kubernetes facts: $res $desc" ;;
	esac
done <"$T/facts"

# the liveness command itself, on a fresh and on a stale textfile
if [ -n "${probe:-}" ]; then
	p=${probe//@PROM@/$T/lw.prom}
	touch "$T/lw.prom"
	check "the liveness probe passes on a textfile written now" bash -c "eval $(printf %q "$p")"
	touch -d '-61 seconds' "$T/lw.prom"
	check "the liveness probe fails on a textfile 61 s old" bash -c "! eval $(printf %q "$p")"
	rm -f "$T/lw.prom"
	check "the liveness probe fails when there is no textfile" bash -c "! eval $(printf %q "$p") 2>/dev/null"
fi

# the agent with exactly the DaemonSet's capabilities (bounding set), no new
# privileges, as the container runs it: it attaches and runs every detection
# it runs with all of root's
caps=$(/usr/bin/python3 -c '
import yaml
d = [x for x in yaml.safe_load_all(open("deploy/kubernetes/loopwatch.yaml")) if x["kind"] == "DaemonSet"][0]
c = [c for c in d["spec"]["template"]["spec"]["containers"] if c["name"] == "loopwatch"][0]
print(",".join("+" + a.lower() for a in c["securityContext"]["capabilities"]["add"]))')
note "DaemonSet capabilities: $caps"
setpriv --no-new-privs --inh-caps=-all --bounding-set=-all,"$caps" \
	"$LW" --json -d 1 >"$T/caps.json" 2>"$T/caps.err"
rc=$?
check_eq "with only those capabilities the agent runs and exits 0" "$rc" 0
check "it attaches its probes" grep -q 'attached' "$T/caps.err"
check_eq "every detection has the state it has with all capabilities" \
	"$(jq -c 'select(.type=="start") | .detections' "$T/caps.json")" \
	"$(jq -c 'select(.type=="start") | .detections' "$T/full.json")"
note "$(grep 'dropped privileges' "$T/caps.err")"

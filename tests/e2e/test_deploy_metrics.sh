#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every PromQL expression of the Grafana dashboard (deploy/grafana) and the
# Prometheus rules (deploy/prometheus) parses (promtool check rules on a
# generated rules file wrapping the dashboard's queries), and every metric
# name they use exists where it comes from: loopwatch_* in a textfile the
# agent really wrote here beside faultlab scenarios (stalls, a herd, an
# undrained edge-triggered socket, a slow reader), node_* in node_exporter's
# scrape of that textfile directory. A real prometheus then scrapes it with
# the rules loaded: every dashboard query evaluates, the panels the issue
# names return series from the agent's data, and so do the recording rules.
. "$(dirname "$0")/lib.sh"
D=deploy/grafana/loopwatch.json
R=deploy/prometheus/loopwatch.rules.yml
# metrics of other exporters the dashboard may use on purpose (none now)
FOREIGN=""

NE_PID= PROM_PID=
stop_all() {
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	[ -n "$NE_PID" ] && kill "$NE_PID" 2>/dev/null && wait "$NE_PID" 2>/dev/null
	PROM_PID= NE_PID=
}
trap 'stop_all; cleanup' EXIT
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 40000))
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}
# --- the expressions: dashboard targets, variables, annotations; rule exprs ---
/usr/bin/python3 - "$D" "$R" "$T" <<'PY'
import json, re, sys, yaml
dash = json.load(open(sys.argv[1]))
rules = yaml.safe_load(open(sys.argv[2]))
out = sys.argv[3]
def grafana(e):
    # Grafana's variables, as a query would see them
    for k, v in (("$__rate_interval", "15s"), ("$__interval", "5s"), ("$__range", "1h"),
                 ("$instance", ".*"), ("$comm", ".*")):
        e = e.replace(k, v)
    m = re.match(r'\s*label_values\((.*),\s*\w+\)\s*$', e, re.S)
    return m.group(1) if m else e
exprs = []
def walk(p):
    for t in p.get("targets", []):
        exprs.append(("dashboard: " + p.get("title", "?"), grafana(t["expr"])))
    for q in p.get("panels", []):
        walk(q)
for p in dash["panels"]:
    walk(p)
for v in dash["templating"]["list"]:
    if v["type"] == "query":
        exprs.append(("dashboard variable " + v["name"], grafana(v["query"]["query"])))
for a in dash["annotations"]["list"]:
    exprs.append(("dashboard annotation", grafana(a["expr"])))
recorded = set()
for g in rules["groups"]:
    for r in g["rules"]:
        exprs.append(("rule " + r.get("alert", r.get("record")), r["expr"]))
        if "record" in r:
            recorded.add(r["record"])
with open(out + "/exprs.json", "w") as f:
    json.dump([{"src": s, "expr": e} for s, e in exprs], f)
# one recording rule per dashboard expression: promtool's PromQL syntax check
with open(out + "/dash.rules.yml", "w") as f:
    yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
        {"record": "dashboard:expr_%d" % i, "expr": e}
        for i, (s, e) in enumerate(exprs) if s.startswith("dashboard")]}]}, f)
names = set()
for s, e in exprs:
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', e)      # no label values
    e = re.sub(r'\{[^}]*\}', '', e)                   # no matchers
    for n in re.findall(r'(?<![\w:.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()', e):
        if n in recorded or n in ("by", "without", "on", "ignoring", "group_left",
                "group_right", "bool", "and", "or", "unless", "offset", "le", "inf", "nan") \
                or re.fullmatch(r'\d+[smhdwy]?', n):
            continue
        if re.match(r'(loopwatch|node|container)_', n):
            names.add(n)
open(out + "/names", "w").write("\n".join(sorted(names)) + "\n")
print("# %d expressions (%d from the dashboard), %d metric names" % (
    len(exprs), sum(1 for s, _ in exprs if s.startswith("dashboard")), len(names)))
PY
note "$(grep -c . "$T/names") metric names: $(tr '\n' ' ' <"$T/names")"
check "the dashboard's queries parse (promtool check rules on them)" \
	bash -c "promtool check rules '$T/dash.rules.yml' >'$T/dash.check' 2>&1"
grep -E 'FAILED|error' "$T/dash.check" | head -5 | sed 's/^/#   /'
check "the rules parse (promtool check rules)" bash -c "promtool check rules '$R' >/dev/null 2>&1"
# the dashboard as Grafana imports it: unique panel ids, a 24-column grid
# with no overlap, every query on the data source variable
check "the dashboard's layout and data sources are sound" /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
ps = d["panels"]
assert len({p["id"] for p in ps}) == len(ps), "duplicate panel id"
cells = set()
for p in ps:
    g = p["gridPos"]
    assert g["x"] + g["w"] <= 24, p["title"]
    for x in range(g["x"], g["x"] + g["w"]):
        for y in range(g["y"], g["y"] + g["h"]):
            assert (x, y) not in cells, "overlap at " + p["title"]
            cells.add((x, y))
    if p["type"] != "row":
        assert p["datasource"]["uid"] == "${datasource}", p["title"]
        assert all(t["datasource"]["uid"] == "${datasource}" for t in p["targets"]), p["title"]
assert d["uid"] and d["title"] and d["schemaVersion"] >= 36
' "$D"

# --- the agent writes a textfile beside faultlab; node_exporter and prometheus ---
tf=$T/textfiles
mkdir -p "$tf"
NE_PORT=$(free_port)
PROM_PORT=$(free_port)
prometheus-node-exporter --web.listen-address="127.0.0.1:$NE_PORT" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$tf" >"$T/ne.log" 2>&1 &
NE_PID=$!
cat >"$T/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["$PWD/$R"]
scrape_configs:
  - job_name: node
    static_configs: [{targets: ["127.0.0.1:$NE_PORT"]}]
YML
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$T/prom.log" 2>&1 &
PROM_PID=$!

# prometheus first: the queries below must come while the scenarios run
check "prometheus is ready on 127.0.0.1:$PROM_PORT" wait_for 30 curl -sf -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready"
agent_start lw --prom-file "$tf/loopwatch.prom" -d 20 || exit 0
faultlab_bg stall stall --cause sleep --ms 80 --every-ms 200 --count 70 || exit 0
faultlab_bg herd herd --duration-s 14 || exit 0
faultlab_bg et et-undrained --send-s 2 --duration-s 14 || exit 0
faultlab_bg reader slow-reader --duration-s 14 || exit 0
# a memory cgroup with a limit, for the memcg series (it stops short of it)
faultlab_bg mem mem-grow --limit-mb 256 --grow-mb-s 4 --stop-mb 16 --duration-s 14 || exit 0
# every rewrite of the textfile, to take the union of what was in it
(for _ in $(seq 40); do cat "$tf/loopwatch.prom" 2>/dev/null; sleep 0.25; done) >"$T/all.prom" &
SNAP=$!
sleep 7
query() { curl -s --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1"; }
n=0 bad=0 empty=""
while IFS= read -r row; do
	src=$(jq -r .src <<<"$row")
	e=$(jq -r .expr <<<"$row")
	res=$(query "$e")
	n=$((n + 1))
	if [ "$(jq -r .status <<<"$res" 2>/dev/null)" != success ]; then
		bad=$((bad + 1))
		echo "#   $src: $(jq -r .error <<<"$res" 2>/dev/null | cut -c1-200)"
	fi
	[ "$(jq '.data.result | length' <<<"$res" 2>/dev/null)" = 0 ] && empty="$empty
$src"
	echo "$src|$(jq -c '.data.result | length' <<<"$res" 2>/dev/null)" >>"$T/results"
done < <(jq -c '.[]' "$T/exprs.json")
curl -sf "http://127.0.0.1:$NE_PORT/metrics" >"$T/scrape"
wait "$SNAP"
check "prometheus evaluates all $n expressions without an error" [ "$bad" -eq 0 -a "$n" -gt 20 ]
note "expressions with no series at the time of the query:$(sort -u <<<"$empty" | tr '\n' ';')"
for panel in "Loop lag (all loops of the selection)" "Top processes by p99 loop lag" \
	"Loop lag p99 and max by process" "Stalls by cause" "Stalls by process and cause" \
	"Futile wake-up ratio" "Herd events and wake-ups" "Undrained edge-triggered sockets" \
	"Socket queue occupancy" "Alerts the agent fires" "Events and lost events" \
	"Textfile age, processes, alerts" "Detections"; do
	check "dashboard panel '$panel' shows series from the agent's textfile" \
		awk -F'|' -v p="dashboard: $panel" '$1 == p && $2 > 0 { f = 1 } END { exit !f }' "$T/results"
done
for rec in instance_pid_comm:loopwatch_loop_lag_seconds:p99_5m instance_comm_cause:loopwatch_loop_stalls:rate5m \
	instance_pid_comm:loopwatch_futile_wakeups:ratio_rate5m instance_pid_comm_queue:loopwatch_socket_queue_ratio:max5m \
	instance_pid_comm:loopwatch_tcp_retransmits:rate5m instance:loopwatch_events:rate5m; do
	check "recording rule $rec has series from the agent's data" \
		[ "$(query "$rec" | jq '.data.result | length')" -gt 0 ]
done
agent_stop

# --- every name used exists in what the agent (or node_exporter) exported ---
grep -v '^#' "$T/all.prom" | sed 's/[{ ].*//' | sort -u >"$T/exported"
grep -v '^#' "$T/scrape" | sed 's/[{ ].*//' | sort -u >"$T/scraped"
note "the agent's textfile had $(grep -c . "$T/exported") sample names"
while read -r m; do
	case $m in
	loopwatch_*) check "$m is in the textfile the agent wrote" grep -qx "$m" "$T/exported" ;;
	node_*) check "$m is in node_exporter's scrape of the textfile directory" grep -qx "$m" "$T/scraped" ;;
	*) check "$m is a metric of another exporter the dashboard names on purpose" bash -c "[[ ' $FOREIGN ' == *' $m '* ]]" ;;
	esac
done <"$T/names"
# and the other way round: each family the agent writes is on the dashboard
for m in $(grep '^# TYPE loopwatch_' "$T/all.prom" | awk '{ print $3 }' | sort -u); do
	[ "$m" = loopwatch_process_runtime_info ] && continue
	check "the agent's $m is used by the dashboard or the rules" \
		grep -q "^$m\(_bucket\|_sum\|_count\)\?$" "$T/names"
done

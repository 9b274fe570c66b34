#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# deploy/prometheus: promtool accepts the rules (check rules) and their unit
# tests pass (test rules): on synthetic series each alert fires, a look-alike
# series does not make it fire, and it resolves; every alert names pid, comm
# (or says it covers all of them) and the instance, and links a runbook
# anchor that docs/fleet.md has.
. "$(dirname "$0")/lib.sh"
R=deploy/prometheus/loopwatch.rules.yml
RT=deploy/prometheus/loopwatch.rules.test.yml

check "promtool check rules accepts $R" bash -c "promtool check rules '$R' >/dev/null 2>&1"
promtool check rules "$R" 2>&1 | grep -E 'SUCCESS|FAILED' | sed 's/^ */# promtool: /'
out=$(cd deploy/prometheus && promtool test rules "$(basename "$RT")" 2>&1)
rc=$?
if [ "$rc" -eq 0 ]; then ok "promtool test rules: every alert fires, does not fire and resolves"
else nok "promtool test rules"; echo "$out" | head -30 | sed 's/^/#   /'; fi

# the facts the YAML must state, read with python3-yaml
/usr/bin/python3 - "$R" "$RT" docs/fleet.md >"$T/facts" 2>&1 <<'PY'
import re, sys, yaml
rules = yaml.safe_load(open(sys.argv[1]))
tests = yaml.safe_load(open(sys.argv[2]))
doc = open(sys.argv[3]).read()
anchors = set()
for line in doc.splitlines():
    m = re.match(r'#+\s+(.*)', line)
    if m:
        a = re.sub(r'[^a-z0-9 _-]', '', m.group(1).strip().lower()).replace(' ', '-')
        anchors.add(a)
    anchors.update(re.findall(r'<a (?:id|name)="([^"]+)"', line))
alerts = [r for g in rules['groups'] for r in g['rules'] if 'alert' in r]
want = {'LoopwatchLoopLagHigh', 'LoopwatchEtStarved', 'LoopwatchStallInProgress',
        'LoopwatchEventsLost', 'LoopwatchAgentDown', 'LoopwatchDetectionOff'}
names = {a['alert'] for a in alerts}
print('alerts', 'ok' if want <= names else 'missing ' + ','.join(sorted(want - names)))
for a in alerts:
    ann = a.get('annotations', {})
    text = ann.get('summary', '') + ' ' + ann.get('description', '')
    per_proc = '$labels.pid' in text and '$labels.comm' in text
    agent_wide = 'pid' in text and 'comm' in text
    inst = '$labels.instance' in text
    rb = ann.get('runbook_url', '')
    anchor = rb.split('#', 1)[1] if '#' in rb else ''
    print('names', a['alert'], 'ok' if inst and (per_proc or agent_wide) else 'bad')
    print('runbook', a['alert'], 'ok' if rb.startswith('docs/fleet.md#') and anchor in anchors else 'bad ' + rb)
    # each alert has a test where it fires and one where it is expected silent
    fires = silent = 0
    for t in tests['tests']:
        for c in t.get('alert_rule_test', []):
            if c['alertname'] == a['alert']:
                if c.get('exp_alerts'): fires += 1
                else: silent += 1
    print('tested', a['alert'], 'ok' if fires >= 1 and silent >= 2 else 'bad fires=%d silent=%d' % (fires, silent))
PY
while read -r what name res; do
	case $what in
	alerts) check_eq "every alert the issue asks for is there" "$name $res" "ok " ;;
	names) check_eq "$name: summary and description name pid, comm and instance" "$res" ok ;;
	runbook) check_eq "$name: runbook_url points at an anchor of docs/fleet.md" "$res" ok ;;
	tested) check_eq "$name: a unit test where it fires and tests where it does not (before, after)" "$res" ok ;;
	*) nok "rule facts: $what $name $res" ;;
	esac
done <"$T/facts"

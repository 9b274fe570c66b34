#!/usr/bin/node
// SPDX-License-Identifier: GPL-2.0
//
// A Node loop whose timer callback calls child_process.spawnSync('sleep',
// [S]) --count times, one every --every-ms: each blocks the main loop for
// about S s while spawnSync runs a private libuv loop of its own (a second
// epoll instance) around the child. A 5 ms interval keeps the main loop
// iterating between them. Prints faultlab's JSON lines: ready (pid,
// loop_tid: the main thread's tid is the pid), one inject per call with
// the length of the callback around it (ms), done. Node 18 and 20 APIs only.
'use strict';

const { spawnSync } = require('child_process');
const { performance } = require('perf_hooks');

const SCENARIO = 'node-spawnsync';

function emit(event, fields) {
	// stdout to a file or pipe is synchronous on Linux: lines are in order.
	process.stdout.write(JSON.stringify(Object.assign({ event }, fields)) + '\n');
}

function usage(msg) {
	process.stderr.write(`node_spawnsync.js: ${msg}; try 'node_spawnsync.js --help'\n`);
	process.exit(2);
}

function parse(argv) {
	const o = { count: 3, everyMs: 500, sleepS: 0.15 };
	const names = { '--count': 'count', '--every-ms': 'everyMs', '--sleep-s': 'sleepS' };

	for (let i = 0; i < argv.length; i++) {
		if (argv[i] === '--help' || argv[i] === '-h') {
			process.stdout.write('usage: node_spawnsync.js [--count N] [--every-ms P] [--sleep-s S]\n');
			process.exit(0);
		}
		const key = names[argv[i]];
		if (!key)
			usage(`unknown option '${argv[i]}'`);
		if (i + 1 >= argv.length)
			usage(`option '${argv[i]}' needs a value`);
		const v = Number(argv[++i]);
		if (!Number.isFinite(v) || v <= 0 || (key === 'count' && !Number.isInteger(v)))
			usage(`${argv[i - 1]}: '${argv[i]}' is not ${key === 'count' ? 'an integer' : 'a number'} above 0`);
		o[key] = v;
	}
	return o;
}

const o = parse(process.argv.slice(2));
const pid = process.pid;
const ms3 = (x) => Math.round(x * 1000) / 1000;
let seq = 0, ticks = 0, total = 0;

const tick = setInterval(() => { ticks++; }, 5);

function stall() {
	const t0 = performance.now();
	const r = spawnSync('sleep', [String(o.sleepS)]);
	const ms = ms3(performance.now() - t0);

	if (r.error || r.status !== 0) {
		process.stderr.write(`node_spawnsync.js: spawnSync sleep failed: ${r.error || r.status}\n`);
		process.exitCode = 1;
	}
	total += ms;
	emit('inject', { cause: 'spawnSync', ms, tid: pid, seq: ++seq });
	if (seq < o.count) {
		setTimeout(stall, o.everyMs);
		return;
	}
	setTimeout(() => {
		clearInterval(tick);
		emit('done', { scenario: SCENARIO, pid, ok: process.exitCode !== 1,
			       injections: seq, inject_ms_total: ms3(total), ticks });
	}, o.everyMs);
}

emit('ready', { scenario: SCENARIO, pid, tid: pid, loop_tid: pid, tids: [pid], runtime: 'node',
		version: process.version, wait: 'epoll', count: o.count, every_ms: o.everyMs,
		sleep_s: o.sleepS });
setTimeout(stall, o.everyMs);

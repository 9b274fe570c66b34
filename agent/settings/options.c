// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "settings/options.h"

static const char usage[] =
	"Usage: loopwatch [OPTIONS]\n"
	"Explains event-loop lag, stalls, herds, undrained edge-triggered sockets and\n"
	"backpressure of every epoll loop on this host, from the kernel side.\n"
	"\n"
	"  -p, --pid PID[,PID...]   watch only these processes (default: all)\n"
	"  -c, --comm NAME          watch only processes with this command name\n"
	"  -d, --duration SEC       stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
	"  -i, --interval SEC       summary and export period (default 1)\n"
	"      --top                live top-style view (default when stdout is a terminal)\n"
	"      --json               JSON lines on stdout (default when it is not)\n"
	"      --prom-file PATH     write a Prometheus textfile atomically every interval\n"
	"      --max-series N       cap on per-process series in the textfile (default 500)\n"
	"      --lag-ms MS          loop-lag alert threshold (default 50)\n"
	"      --stall-ms MS        report single stalls at least this long (default 50)\n"
	"      --starve-ms MS       unread edge-triggered bytes this old are a hang (default 200)\n"
	"      --sustain N          intervals over threshold before an alert fires (default 3)\n"
	"      --alert-exec CMD     run CMD with each alert as JSON on its stdin\n"
	"      --config FILE        thresholds and outputs from a file\n"
	"      --max-threads N      loop threads tracked in the kernel (default 16384)\n"
	"      --max-sockets N      sockets watched by loops tracked in the kernel (default 65536)\n"
	"      --detect LIST        families to load: loop,readiness,backpressure or all\n"
	"                           (default all; loop lag is always on)\n"
	"      --hooks PATH         how epoll waits are hooked: auto, fentry, kprobe or\n"
	"                           tracepoint (default auto: fentry where the kernel allows it)\n"
	"      --no-stacks          leave out the stacks of stalls (their capture and sampling)\n"
	"  -v, --verbose            debug messages, libbpf's included\n"
	"  -h, --help               this help\n"
	"  -V, --version            print the version\n"
	"\n"
	"Exit status: 0 ok, 1 missing privilege or kernel feature, 2 bad option or config.\n";

enum {
	OPT_TOP = 0x100, OPT_JSON, OPT_PROM, OPT_MAX_SERIES, OPT_LAG, OPT_STALL, OPT_STARVE,
	OPT_SUSTAIN, OPT_ALERT_EXEC, OPT_CONFIG, OPT_MAX_THREADS, OPT_MAX_SOCKETS, OPT_DETECT,
	OPT_HOOKS, OPT_NO_STACKS,
};

static const struct option long_opts[] = {
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'c' },
	{ "duration", required_argument, NULL, 'd' },
	{ "interval", required_argument, NULL, 'i' },
	{ "top", no_argument, NULL, OPT_TOP },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "prom-file", required_argument, NULL, OPT_PROM },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "lag-ms", required_argument, NULL, OPT_LAG },
	{ "stall-ms", required_argument, NULL, OPT_STALL },
	{ "starve-ms", required_argument, NULL, OPT_STARVE },
	{ "sustain", required_argument, NULL, OPT_SUSTAIN },
	{ "alert-exec", required_argument, NULL, OPT_ALERT_EXEC },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
	{ "max-sockets", required_argument, NULL, OPT_MAX_SOCKETS },
	{ "detect", required_argument, NULL, OPT_DETECT },
	{ "hooks", required_argument, NULL, OPT_HOOKS },
	{ "no-stacks", no_argument, NULL, OPT_NO_STACKS },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

void lw_options_defaults(struct lw_options *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_s = 1;
	o->lag_ms = 50;
	o->stall_ms = 50;
	o->sustain = 3;
	o->starve_ms = 200;
	o->max_threads = 16384;
	o->max_sockets = 65536;
	o->detect = LW_DETECT_ALL;
	o->max_series = 500;
	o->stacks = true;
}

int lw_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *val)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*val = v;
	return 0;
}

int lw_parse_hooks(const char *s, enum lw_hooks *out)
{
	static const char *const names[] = {
		[LW_HOOKS_AUTO] = "auto",
		[LW_HOOKS_FENTRY] = "fentry",
		[LW_HOOKS_KPROBE] = "kprobe",
		[LW_HOOKS_TRACEPOINT] = "tracepoint",
	};

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum lw_hooks)i;
			return 0;
		}
	}
	return -EINVAL;
}

int lw_parse_detect(const char *s, uint32_t *out)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {
		{ "loop", LW_DETECT_LOOP },
		{ "readiness", LW_DETECT_READINESS },
		{ "backpressure", LW_DETECT_BACKPRESSURE },
		{ "all", LW_DETECT_ALL },
	};
	uint32_t bits = LW_DETECT_LOOP;
	const char *p = s;

	while (*p) {
		size_t len = strcspn(p, ",");
		bool found = false;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (len == strlen(names[i].name) && !strncmp(p, names[i].name, len)) {
				bits |= names[i].bit;
				found = true;
			}
		}
		if (!found)
			return -EINVAL;
		p += len;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	if (!*s)
		return -EINVAL;
	*out = bits;
	return 0;
}

int lw_parse_pids(const char *s, const char *seps, uint32_t *pids, unsigned int *n, char *bad,
		  size_t badlen)
{
	char buf[4096], *save = NULL, *tok;

	if (strlen(s) >= sizeof(buf))
		return -E2BIG;
	strcpy(buf, s);
	for (tok = strtok_r(buf, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
		uint64_t v;

		if (lw_parse_uint(tok, 1, 4194304, &v)) {
			snprintf(bad, badlen, "%s", tok);
			return -EINVAL;
		}
		if (*n == LW_MAX_PIDS)
			return -E2BIG;
		pids[(*n)++] = (uint32_t)v;
	}
	return 0;
}

static int parse_pids(struct lw_options *o, const char *arg, char *err, size_t errlen)
{
	char bad[64];
	int rc = lw_parse_pids(arg, ",", o->pids, &o->npids, bad, sizeof(bad));

	if (rc == -EINVAL) {
		snprintf(err, errlen, "invalid pid '%s' for --pid (a number from 1 to 4194304)", bad);
		return rc;
	}
	if (rc) {
		snprintf(err, errlen, "too many pids for --pid (at most %d)", LW_MAX_PIDS);
		return rc;
	}
	if (!o->npids) {
		snprintf(err, errlen, "--pid needs at least one pid");
		return -EINVAL;
	}
	return 0;
}

static int num(const char *name, const char *arg, uint64_t min, uint64_t max, unsigned int *dst,
	       char *err, size_t errlen)
{
	uint64_t v;

	if (lw_parse_uint(arg, min, max, &v)) {
		snprintf(err, errlen, "invalid value '%s' for %s (a whole number from %llu to %llu)",
			 arg, name, (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*dst = (unsigned int)v;
	return 0;
}

int lw_options_parse(struct lw_options *o, int argc, char **argv, void *out, char *err,
		     size_t errlen)
{
	FILE *fout = out;
	int c, rc = 0;

	opterr = 0;
	/* 0, not 1: glibc then also forgets a half-parsed cluster like "-5d" of
	 * an earlier call, whose pointer would dangle (found by fuzz_options) */
	optind = 0;
	while ((c = getopt_long(argc, argv, ":p:c:d:i:vhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			rc = parse_pids(o, optarg, err, errlen);
			o->set_mask |= LW_SET_PIDS;
			break;
		case 'c':
			if (!*optarg) {
				snprintf(err, errlen, "--comm needs a name");
				return -EINVAL;
			}
			/* the kernel keeps 15 characters of a command name */
			snprintf(o->comm, sizeof(o->comm), "%s", optarg);
			o->set_mask |= LW_SET_COMM;
			break;
		case 'd':
			rc = num("--duration", optarg, 1, 31536000, &o->duration_s, err, errlen);
			break;
		case 'i':
			rc = num("--interval", optarg, 1, 3600, &o->interval_s, err, errlen);
			o->set_mask |= LW_SET_INTERVAL;
			break;
		case OPT_TOP:
			o->view = LW_VIEW_TOP;
			o->set_mask |= LW_SET_VIEW;
			break;
		case OPT_JSON:
			o->view = LW_VIEW_JSON;
			o->set_mask |= LW_SET_VIEW;
			break;
		case OPT_PROM:
			if (!*optarg) {
				snprintf(err, errlen, "--prom-file needs a path");
				return -EINVAL;
			}
			o->prom_file = optarg;
			o->set_mask |= LW_SET_PROM;
			break;
		case OPT_MAX_SERIES:
			rc = num("--max-series", optarg, 1, 100000, &o->max_series, err, errlen);
			o->set_mask |= LW_SET_MAX_SERIES;
			break;
		case OPT_LAG:
			rc = num("--lag-ms", optarg, 1, 3600000, &o->lag_ms, err, errlen);
			o->set_mask |= LW_SET_LAG;
			break;
		case OPT_STALL:
			rc = num("--stall-ms", optarg, 1, 3600000, &o->stall_ms, err, errlen);
			o->set_mask |= LW_SET_STALL;
			break;
		case OPT_STARVE:
			rc = num("--starve-ms", optarg, 1, 3600000, &o->starve_ms, err, errlen);
			o->set_mask |= LW_SET_STARVE;
			break;
		case OPT_SUSTAIN:
			rc = num("--sustain", optarg, 1, 1000, &o->sustain, err, errlen);
			o->set_mask |= LW_SET_SUSTAIN;
			break;
		case OPT_ALERT_EXEC:
			o->alert_exec = optarg;
			o->set_mask |= LW_SET_ALERT_EXEC;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_MAX_THREADS:
			rc = num("--max-threads", optarg, 16, 4194304, &o->max_threads, err, errlen);
			o->set_mask |= LW_SET_MAX_THREADS;
			break;
		case OPT_DETECT:
			if (lw_parse_detect(optarg, &o->detect)) {
				snprintf(err, errlen,
					 "invalid value '%s' for --detect (loop, readiness, backpressure or all, comma-separated)",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_HOOKS:
			if (lw_parse_hooks(optarg, &o->hooks)) {
				snprintf(err, errlen,
					 "invalid value '%s' for --hooks (auto, fentry, kprobe or tracepoint)",
					 optarg);
				return -EINVAL;
			}
			break;
		case OPT_NO_STACKS:
			o->stacks = false;
			o->set_mask |= LW_SET_STACKS;
			break;
		case OPT_MAX_SOCKETS:
			rc = num("--max-sockets", optarg, 64, 4194304, &o->max_sockets, err, errlen);
			o->set_mask |= LW_SET_MAX_SOCKETS;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			fputs(usage, fout);
			return LW_OPT_EXIT;
		case 'V':
			fprintf(fout, "loopwatch %s\n", LW_VERSION);
			return LW_OPT_EXIT;
		case ':':
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			if (optopt)
				snprintf(err, errlen, "unknown option '-%c'", optopt);
			else
				snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
		if (rc)
			return rc;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return LW_OPT_RUN;
}

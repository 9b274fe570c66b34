// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <string.h>
#include "settings/config.h"
#include "settings/options.h"
#include "settings/table.h"

#define OPT(field) .home = LW_IN_OPTIONS, .offset = offsetof(struct lw_options, field)
#define ALERT(field) .home = LW_IN_ALERT, .offset = offsetof(struct lw_alert_cfg, field)
#define CONFIG(field) .home = LW_IN_CONFIG, .offset = offsetof(struct lw_config, field)
#define NOWHERE .home = LW_IN_NONE

/* In the order --help lists them; the settings only the config file has
 * follow the flag nearest in concern. */
const struct lw_setting lw_settings[] = {
	{ .flag = "pid", .short_flag = 'p', .arg = "PID[,PID...]", .section = "filter", .key = "pid",
	  .type = LW_T_PIDS, .min = 1, .max = 4194304, .def_text = "all", .set_bit = LW_SET_PIDS,
	  OPT(pids), .help = "watch only these processes (default: all)",
	  .value_help = "a comma-separated list of pids" },
	{ .flag = "comm", .short_flag = 'c', .arg = "NAME", .section = "filter", .key = "comm",
	  .type = LW_T_COMM, .def_text = "all", .set_bit = LW_SET_COMM, OPT(comm),
	  .help = "watch only processes with this command name", .value_help = "a command name" },
	{ .flag = "duration", .short_flag = 'd', .arg = "SEC", .type = LW_T_UINT, .min = 1,
	  .max = 31536000, .def_text = "until SIGINT/SIGTERM", OPT(duration_s),
	  .help = "stop after SEC seconds (default: until SIGINT/SIGTERM)" },
	{ .flag = "interval", .short_flag = 'i', .arg = "SEC", .section = "output", .key = "interval",
	  .type = LW_T_UINT, .min = 1, .max = 3600, .def = 1, .reload = true,
	  .set_bit = LW_SET_INTERVAL, OPT(interval_s), .help = "summary and export period" },
	{ .flag = "top", .type = LW_T_VIEW, .def = LW_VIEW_TOP, .set_bit = LW_SET_VIEW, OPT(view),
	  .help = "live top-style view (default when stdout is a terminal)" },
	{ .flag = "json", .type = LW_T_VIEW, .def = LW_VIEW_JSON, .set_bit = LW_SET_VIEW, OPT(view),
	  .help = "JSON lines on stdout (default when it is not)" },
	{ .section = "output", .key = "view", .type = LW_T_VIEW, .def_text = "auto",
	  .set_bit = LW_SET_VIEW, OPT(view),
	  .help = "the view: auto is top on a terminal and json otherwise",
	  .value_help = "auto, top or json" },
	{ .flag = "prom-file", .arg = "PATH", .section = "output", .key = "prom_file",
	  .type = LW_T_PATH, .def_text = "off", .reload = true, .set_bit = LW_SET_PROM,
	  OPT(prom_file), .help = "write a Prometheus textfile atomically every interval",
	  .value_help = "a path" },
	{ .flag = "max-series", .arg = "N", .section = "output", .key = "max_series",
	  .type = LW_T_UINT, .min = 1, .max = 100000, .def = 500, .reload = true,
	  .set_bit = LW_SET_MAX_SERIES, OPT(max_series),
	  .help = "cap on per-process series in the textfile" },
	{ .flag = "lag-ms", .arg = "MS", .section = "thresholds", .key = "lag_ms", .type = LW_T_UINT,
	  .min = 1, .max = 3600000, .def = 50, .reload = true, .set_bit = LW_SET_LAG, OPT(lag_ms),
	  .help = "loop-lag alert threshold" },
	{ .flag = "stall-ms", .arg = "MS", .section = "thresholds", .key = "stall_ms",
	  .type = LW_T_UINT, .min = 1, .max = 3600000, .def = 50, .reload = true,
	  .set_bit = LW_SET_STALL, OPT(stall_ms),
	  .help = "report single stalls at least this long" },
	{ .flag = "starve-ms", .arg = "MS", .section = "thresholds", .key = "starve_ms",
	  .type = LW_T_UINT, .min = 1, .max = 3600000, .def = 200, .set_bit = LW_SET_STARVE,
	  OPT(starve_ms), .help = "unread edge-triggered bytes this old are a hang" },
	{ .flag = "sustain", .arg = "N", .section = "thresholds", .key = "sustain", .type = LW_T_UINT,
	  .min = 1, .max = 1000, .def = 3, .reload = true, .set_bit = LW_SET_SUSTAIN, OPT(sustain),
	  .help = "intervals over threshold before an alert fires" },
	{ .section = "thresholds", .key = "queue_ratio", .type = LW_T_RATIO, .min = 0.01, .max = 4,
	  .def = 0.9, .reload = true, ALERT(queue_ratio),
	  .help = "backpressure alert: socket queue occupancy at or above" },
	{ .section = "thresholds", .key = "herd_futile_ratio", .type = LW_T_RATIO, .min = 0.01,
	  .max = 1, .def = 0.5, .reload = true, ALERT(herd_futile_ratio),
	  .help = "herd alert: futile wake-ups per wake-up at or above" },
	/* below this a few futile wake-ups a second are noise, not a herd */
	{ .section = "thresholds", .key = "herd_min_wakeups_per_s", .type = LW_T_RATIO, .min = 0,
	  .max = 1e9, .def = 20, .reload = true, ALERT(herd_min_wakeups_per_s),
	  .help = "herd alert: only at this many wake-ups a second or more" },
	{ .section = "thresholds", .key = "retransmits_per_s", .type = LW_T_RATIO, .min = 0.001,
	  .max = 1e9, .def = 10, .reload = true, ALERT(retransmits_per_s),
	  .help = "retransmits alert: TCP retransmits a second at or above" },
	/* a storm is clients in step: half of them within 20 ms, and enough of
	 * them that a few clients starting together are not one */
	{ .section = "thresholds", .key = "storm_sync_ratio", .type = LW_T_RATIO, .min = 0.01,
	  .max = 1, .def = 0.5, .reload = true, ALERT(storm_sync_ratio),
	  .help = "retry_storm: peak attempts in 20 ms per client at or above" },
	{ .section = "thresholds", .key = "storm_min_clients", .type = LW_T_UINT, .min = 2,
	  .max = 1000000, .def = 10, .reload = true, ALERT(storm_min_clients),
	  .help = "retry_storm: only with at least this many clients" },
	{ .section = "thresholds", .key = "ports_ratio", .type = LW_T_RATIO, .min = 0.01, .max = 1,
	  .def = 0.9, .reload = true, ALERT(ports_ratio),
	  .help = "ephemeral_ports: ports in use of ip_local_port_range at or above" },
	{ .flag = "detail-release", .arg = "N", .section = "thresholds", .key = "detail_release",
	  .type = LW_T_UINT, .min = 1, .max = 3600, .def = 5, .reload = true,
	  .set_bit = LW_SET_DETAIL_RELEASE, OPT(detail_release),
	  .help = "quiet intervals before the per-packet detail tier is detached" },
	/* 5 intervals: long enough that a burst of allocations at start-up or
	 * a cache warming is not a trend, short enough to warn minutes ahead */
	{ .flag = "mem-intervals", .arg = "N", .section = "thresholds", .key = "mem_intervals",
	  .type = LW_T_UINT, .min = 2, .max = 60, .def = 5, .reload = true,
	  .set_bit = LW_SET_MEM_INTERVALS, OPT(mem_growth_intervals),
	  .help = "memory_growth: RSS rising in N intervals in a row ..." },
	{ .flag = "mem-horizon-s", .arg = "SEC", .section = "thresholds", .key = "mem_horizon_s",
	  .type = LW_T_UINT, .min = 1, .max = 86400, .def = 300, .reload = true,
	  .set_bit = LW_SET_MEM_HORIZON, OPT(mem_horizon_s),
	  .help = "... at a rate that reaches its memory limit within SEC" },
	{ .flag = "alert-exec", .arg = "CMD", .section = "alerts", .key = "exec", .type = LW_T_CMD,
	  .def_text = "none", .reload = true, .set_bit = LW_SET_ALERT_EXEC, OPT(alert_exec),
	  .help = "run CMD with each alert as JSON on its stdin", .value_help = "a shell command" },
	{ .section = "alerts", .key = "exec_timeout_s", .type = LW_T_UINT, .min = 1, .max = 3600,
	  .def = 10, .reload = true, CONFIG(exec_timeout_s),
	  .help = "the alert command is killed after this many seconds" },
	{ .section = "alerts", .key = "exec_per_min", .type = LW_T_UINT, .min = 1, .max = 600,
	  .def = 20, .reload = true, CONFIG(exec_per_min),
	  .help = "the alert command runs at most this many times a minute" },
	{ .flag = "config", .arg = "FILE", .type = LW_T_FILE, .def_text = "none", OPT(config),
	  .help = "thresholds and outputs from a file" },
	{ .flag = "max-threads", .arg = "N", .section = "limits", .key = "max_threads",
	  .type = LW_T_UINT, .min = 16, .max = 4194304, .def = 16384, .set_bit = LW_SET_MAX_THREADS,
	  OPT(max_threads), .help = "loop threads tracked in the kernel" },
	{ .flag = "max-sockets", .arg = "N", .section = "limits", .key = "max_sockets",
	  .type = LW_T_UINT, .min = 64, .max = 4194304, .def = 65536, .set_bit = LW_SET_MAX_SOCKETS,
	  OPT(max_sockets), .help = "sockets watched by loops tracked in the kernel" },
	{ .flag = "detect", .arg = "LIST", .type = LW_T_DETECT, .def = LW_DETECT_ALL,
	  .def_text = "all", .set_bit = LW_SET_DETECT, OPT(detect),
	  .help = "families to load: loop,readiness,backpressure or all\n"
		  "(default all, per-packet detail on demand; given, the\n"
		  "detail tier stays on; loop lag is always on)" },
	{ .flag = "hooks", .arg = "PATH", .type = LW_T_HOOKS, .def_text = "auto", OPT(hooks),
	  .help = "how epoll waits are hooked: auto, fentry, kprobe or\n"
		  "tracepoint (default auto: fentry where the kernel allows it)" },
	{ .flag = "no-stacks", .type = LW_T_BOOL, .def = 0, .set_bit = LW_SET_STACKS, OPT(stacks),
	  .help = "leave out the stacks of stalls (their capture and sampling)" },
	{ .section = "output", .key = "stacks", .type = LW_T_BOOL, .def = 1, .set_bit = LW_SET_STACKS,
	  OPT(stacks), .help = "the stacks of stalls: their capture, sampling and unwinding",
	  .value_help = "true or false" },
	{ .flag = "verbose", .short_flag = 'v', .type = LW_T_VERBOSE, OPT(verbose),
	  .help = "debug messages, libbpf's included" },
	{ .flag = "help", .short_flag = 'h', .type = LW_T_HELP, NOWHERE, .help = "this help" },
	{ .flag = "version", .short_flag = 'V', .type = LW_T_VERSION, NOWHERE,
	  .help = "print the version" },
};

const size_t lw_nsettings = sizeof(lw_settings) / sizeof(lw_settings[0]);

void lw_settings_defaults(void *base, enum lw_set_home home)
{
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];
		char *field = (char *)base + s->offset;

		if (s->home != home)
			continue;
		if (s->type == LW_T_UINT)
			*(unsigned int *)field = (unsigned int)s->def;
		else if (s->type == LW_T_RATIO)
			*(double *)field = s->def;
		else if (s->type == LW_T_DETECT)
			*(uint32_t *)field = (uint32_t)s->def;
		else if (s->type == LW_T_BOOL && s->key)
			*(bool *)field = s->def != 0;
	}
}

const struct lw_setting *lw_settings_by_key(const char *section, const char *key)
{
	for (size_t i = 0; i < lw_nsettings; i++)
		if (lw_settings[i].key && !strcmp(lw_settings[i].section, section) &&
		    !strcmp(lw_settings[i].key, key))
			return &lw_settings[i];
	return NULL;
}

void lw_setting_default_str(const struct lw_setting *s, char *out, size_t len)
{
	if (s->def_text)
		snprintf(out, len, "%s", s->def_text);
	else if (s->type == LW_T_UINT || s->type == LW_T_RATIO)
		snprintf(out, len, "%g", s->def);
	else if (s->type == LW_T_BOOL && s->key)
		snprintf(out, len, "%s", s->def ? "true" : "false");
	else
		snprintf(out, len, "%s", "");
}

/* "-p, --pid PID[,PID...]" or "    --top": the left column of --help. */
static void flag_words(const struct lw_setting *s, char *out, size_t len)
{
	char shrt[8] = "";

	if (s->short_flag)
		snprintf(shrt, sizeof(shrt), "-%c,", s->short_flag);
	snprintf(out, len, "%-4s--%s%s%s", shrt, s->flag, s->arg ? " " : "", s->arg ? s->arg : "");
}

#define HELP_COLUMN 27

void lw_settings_usage(FILE *out)
{
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];
		const char *h = s->help;
		char left[64];

		if (!s->flag)
			continue;
		flag_words(s, left, sizeof(left));
		fprintf(out, "  %-*s", HELP_COLUMN - 2, left);
		while (*h) {
			size_t n = strcspn(h, "\n");

			fprintf(out, "%.*s", (int)n, h);
			h += n;
			if (*h) {
				fprintf(out, "\n%*s", HELP_COLUMN, "");
				h++;
			}
		}
		if (s->type == LW_T_UINT && !s->def_text)
			fprintf(out, " (default %g)", s->def);
		fputc('\n', out);
	}
}

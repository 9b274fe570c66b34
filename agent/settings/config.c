// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "settings/config.h"

/* A config file is a few hundred bytes; anything this big is a wrong path. */
#define LW_CONFIG_MAX_BYTES (1 << 20)

enum kind { K_UINT, K_RATIO, K_STR, K_PIDS, K_COMM, K_VIEW, K_BOOL };

struct key {
	const char *section, *name;
	enum kind kind;
	uint32_t set_bit;	/* the command line wins when it set this */
	double min, max;
	const char *help;	/* what a valid value looks like */
};

static const struct key keys[] = {
	{ "filter", "pid", K_PIDS, LW_SET_PIDS, 1, 4194304, "a comma-separated list of pids" },
	{ "filter", "comm", K_COMM, LW_SET_COMM, 0, 0, "a command name" },
	{ "thresholds", "lag_ms", K_UINT, LW_SET_LAG, 1, 3600000, NULL },
	{ "thresholds", "stall_ms", K_UINT, LW_SET_STALL, 1, 3600000, NULL },
	{ "thresholds", "starve_ms", K_UINT, LW_SET_STARVE, 1, 3600000, NULL },
	{ "thresholds", "sustain", K_UINT, LW_SET_SUSTAIN, 1, 1000, NULL },
	{ "thresholds", "queue_ratio", K_RATIO, 0, 0.01, 4, NULL },
	{ "thresholds", "herd_futile_ratio", K_RATIO, 0, 0.01, 1, NULL },
	{ "thresholds", "herd_min_wakeups_per_s", K_RATIO, 0, 0, 1e9, NULL },
	{ "thresholds", "retransmits_per_s", K_RATIO, 0, 0.001, 1e9, NULL },
	{ "output", "view", K_VIEW, LW_SET_VIEW, 0, 0, "auto, top or json" },
	{ "output", "interval", K_UINT, LW_SET_INTERVAL, 1, 3600, NULL },
	{ "output", "prom_file", K_STR, LW_SET_PROM, 0, 0, "a path" },
	{ "output", "max_series", K_UINT, LW_SET_MAX_SERIES, 1, 100000, NULL },
	{ "output", "stacks", K_BOOL, LW_SET_STACKS, 0, 0, "true or false" },
	{ "alerts", "exec", K_STR, LW_SET_ALERT_EXEC, 0, 0, "a shell command" },
	{ "alerts", "exec_timeout_s", K_UINT, 0, 1, 3600, NULL },
	{ "alerts", "exec_per_min", K_UINT, 0, 1, 600, NULL },
	{ "limits", "max_threads", K_UINT, LW_SET_MAX_THREADS, 16, 4194304, NULL },
	{ "limits", "max_sockets", K_UINT, LW_SET_MAX_SOCKETS, 64, 4194304, NULL },
};

struct parse {
	struct lw_config *c;
	const struct lw_options *flags;
	const char *name;
	const char *text, *pos, *end;	/* the whole file in memory */
	int line;			/* the line inih is parsing */
	int err_line;
	char err[256];
};

static void fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line)
		return;		/* the first error is the one worth reading */
	p->err_line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

/* ini_reader: one line per call like fgets, so the handler knows the line
 * number, and a line too long for inih is an error, not two lines. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n = 0;

	if (p->pos >= p->end || num < 2)
		return NULL;
	p->line++;
	while (p->pos < p->end && *p->pos != '\n' && n < (size_t)num - 2)
		str[n++] = *p->pos++;
	if (p->pos < p->end && *p->pos != '\n') {
		fail(p, "line longer than %d characters", num - 2);
		while (p->pos < p->end && *p->pos != '\n')
			p->pos++;
	}
	if (p->pos < p->end)
		p->pos++;	/* the newline */
	str[n++] = '\n';
	str[n] = '\0';
	return str;
}

static int parse_ratio(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A [filter] pid list replaces the one before it; commas or spaces. */
static int parse_pids(struct lw_options *o, const char *s)
{
	unsigned int n = 0;
	char bad[64];

	if (lw_parse_pids(s, ", ", o->pids, &n, bad, sizeof(bad)) || !n)
		return -EINVAL;
	o->npids = n;
	return 0;
}

static double *ratio_field(struct lw_config *c, const char *name)
{
	if (!strcmp(name, "queue_ratio"))
		return &c->alert.queue_ratio;
	if (!strcmp(name, "herd_futile_ratio"))
		return &c->alert.herd_futile_ratio;
	if (!strcmp(name, "herd_min_wakeups_per_s"))
		return &c->alert.herd_min_wakeups_per_s;
	return &c->alert.retransmits_per_s;
}

static unsigned int *uint_field(struct lw_config *c, const char *name)
{
	struct lw_options *o = &c->opt;

	if (!strcmp(name, "lag_ms"))
		return &o->lag_ms;
	if (!strcmp(name, "stall_ms"))
		return &o->stall_ms;
	if (!strcmp(name, "starve_ms"))
		return &o->starve_ms;
	if (!strcmp(name, "sustain"))
		return &o->sustain;
	if (!strcmp(name, "interval"))
		return &o->interval_s;
	if (!strcmp(name, "max_series"))
		return &o->max_series;
	if (!strcmp(name, "exec_timeout_s"))
		return &c->exec_timeout_s;
	if (!strcmp(name, "exec_per_min"))
		return &c->exec_per_min;
	if (!strcmp(name, "max_sockets"))
		return &o->max_sockets;
	return &o->max_threads;
}

/* Validate every value, apply only those the command line left alone. */
static int set(struct parse *p, const struct key *k, const char *value)
{
	struct lw_config *c = p->c;
	struct lw_options scratch = c->opt;
	bool apply = !(k->set_bit && (p->flags->set_mask & k->set_bit));
	uint64_t u;
	double d;

	switch (k->kind) {
	case K_UINT:
		if (lw_parse_uint(value, (uint64_t)k->min, (uint64_t)k->max, &u)) {
			fail(p, "invalid value '%s' for %s (a whole number from %.0f to %.0f)", value,
			     k->name, k->min, k->max);
			return 0;
		}
		if (apply)
			*uint_field(c, k->name) = (unsigned int)u;
		return 1;
	case K_RATIO:
		if (parse_ratio(value, k->min, k->max, &d)) {
			fail(p, "invalid value '%s' for %s (a number from %g to %g)", value, k->name,
			     k->min, k->max);
			return 0;
		}
		if (apply)
			*ratio_field(c, k->name) = d;
		return 1;
	case K_PIDS:
		if (parse_pids(&scratch, value)) {
			fail(p, "invalid value '%s' for %s (%s from 1 to 4194304)", value, k->name,
			     k->help);
			return 0;
		}
		if (apply) {
			memcpy(c->opt.pids, scratch.pids, scratch.npids * sizeof(scratch.pids[0]));
			c->opt.npids = scratch.npids;
		}
		return 1;
	case K_COMM:
		if (!*value) {
			fail(p, "empty value for %s (%s)", k->name, k->help);
			return 0;
		}
		if (apply)
			snprintf(c->opt.comm, sizeof(c->opt.comm), "%s", value);
		return 1;
	case K_VIEW:
		if (strcmp(value, "auto") && strcmp(value, "top") && strcmp(value, "json")) {
			fail(p, "invalid value '%s' for %s (%s)", value, k->name, k->help);
			return 0;
		}
		if (apply)
			c->opt.view = !strcmp(value, "top") ? LW_VIEW_TOP :
				      !strcmp(value, "json") ? LW_VIEW_JSON : LW_VIEW_AUTO;
		return 1;
	case K_BOOL:
		if (strcmp(value, "true") && strcmp(value, "false")) {
			fail(p, "invalid value '%s' for %s (%s)", value, k->name, k->help);
			return 0;
		}
		if (apply)
			c->opt.stacks = !strcmp(value, "true");
		return 1;
	case K_STR:
		if (!strcmp(k->name, "prom_file")) {
			if (strlen(value) >= sizeof(c->prom_file)) {
				fail(p, "value for %s is too long", k->name);
				return 0;
			}
			if (apply) {
				snprintf(c->prom_file, sizeof(c->prom_file), "%s", value);
				c->opt.prom_file = c->prom_file[0] ? c->prom_file : NULL;
			}
		} else {
			if (strlen(value) >= sizeof(c->alert_exec)) {
				fail(p, "value for %s is too long", k->name);
				return 0;
			}
			if (apply) {
				snprintf(c->alert_exec, sizeof(c->alert_exec), "%s", value);
				c->opt.alert_exec = c->alert_exec[0] ? c->alert_exec : NULL;
			}
		}
		return 1;
	}
	return 0;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	bool known_section = false;

	if (!*section) {
		fail(p, "key '%s' outside a section (put it under [thresholds], [output] ...)",
		     name);
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(keys[i].section, section))
			continue;
		known_section = true;
		if (!strcmp(keys[i].name, name))
			return set(p, &keys[i], value);
	}
	if (!known_section)
		fail(p, "unknown section [%s] (filter, thresholds, output, alerts, limits)", section);
	else
		fail(p, "unknown key '%s' in [%s]", name, section);
	return 0;
}

static void defaults(struct lw_config *c, const struct lw_options *flags)
{
	memset(c, 0, sizeof(*c));
	c->opt = *flags;
	lw_alert_cfg_defaults(&c->alert, flags);
	c->exec_timeout_s = 10;
	c->exec_per_min = 20;
}

/* What the alert rules read from the options, once both sources are in. */
static void finish(struct lw_config *c)
{
	lw_alert_cfg_from_options(&c->alert, &c->opt);
}

static int parse_text(struct lw_config *c, const char *text, size_t len, const char *name,
		      const struct lw_options *flags, char *err, size_t errlen)
{
	struct parse p = {
		.c = c, .flags = flags, .name = name, .text = text, .pos = text, .end = text + len,
	};
	int rc;

	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "bad config %s: not a text file", name);
		return -EINVAL;
	}
	rc = ini_parse_stream(reader, &p, handler, &p);
	if (rc < 0) {
		snprintf(err, errlen, "bad config %s: out of memory", name);
		return -ENOMEM;
	}
	if (p.err_line && (rc == 0 || p.err_line <= rc)) {
		snprintf(err, errlen, "bad config %s line %d: %s", name, p.err_line, p.err);
		return -EINVAL;
	}
	if (rc > 0) {
		snprintf(err, errlen,
			 "bad config %s line %d: syntax error (want [section] or key = value)", name,
			 rc);
		return -EINVAL;
	}
	finish(c);
	return 0;
}

int lw_config_load_string(struct lw_config *c, const char *text, const char *name,
			  const struct lw_options *flags, char *err, size_t errlen)
{
	defaults(c, flags);
	return parse_text(c, text, strlen(text), name, flags, err, errlen);
}

int lw_config_load(struct lw_config *c, const char *path, const struct lw_options *flags,
		   char *err, size_t errlen)
{
	char *buf;
	size_t len;
	FILE *f;
	int rc;

	defaults(c, flags);
	if (!path) {
		finish(c);
		return 0;
	}
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "cannot read config %s: %s", path, strerror(errno));
		return rc;
	}
	buf = malloc(LW_CONFIG_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "cannot read config %s: out of memory", path);
		return -ENOMEM;
	}
	len = fread(buf, 1, LW_CONFIG_MAX_BYTES + 1, f);
	if (ferror(f) || len > LW_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "cannot read config %s: %s", path,
			 ferror(f) ? "read error" : "larger than 1 MiB");
		fclose(f);
		free(buf);
		return -EINVAL;
	}
	fclose(f);
	rc = parse_text(c, buf, len, path, flags, err, errlen);
	free(buf);
	return rc;
}

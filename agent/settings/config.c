// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "settings/config.h"
#include "settings/table.h"

/* A config file is a few hundred bytes; anything this big is a wrong path. */
#define LW_CONFIG_MAX_BYTES (1 << 20)

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

/* Where a setting's value goes in the config being built. */
static void *field(struct lw_config *c, const struct lw_setting *k)
{
	char *base = k->home == LW_IN_OPTIONS ? (char *)&c->opt :
		     k->home == LW_IN_ALERT ? (char *)&c->alert : (char *)c;

	return base + k->offset;
}

/* Validate every value, apply only those the command line left alone. */
static int set(struct parse *p, const struct lw_setting *k, const char *value)
{
	struct lw_config *c = p->c;
	struct lw_options scratch = c->opt;
	bool apply = !(k->set_bit && (p->flags->set_mask & k->set_bit));
	uint64_t u;
	double d;

	switch (k->type) {
	case LW_T_UINT:
		if (lw_parse_uint(value, (uint64_t)k->min, (uint64_t)k->max, &u)) {
			fail(p, "invalid value '%s' for %s (a whole number from %.0f to %.0f)", value,
			     k->key, k->min, k->max);
			return 0;
		}
		if (apply)
			*(unsigned int *)field(c, k) = (unsigned int)u;
		return 1;
	case LW_T_RATIO:
		if (parse_ratio(value, k->min, k->max, &d)) {
			fail(p, "invalid value '%s' for %s (a number from %g to %g)", value, k->key,
			     k->min, k->max);
			return 0;
		}
		if (apply)
			*(double *)field(c, k) = d;
		return 1;
	case LW_T_PIDS:
		if (parse_pids(&scratch, value)) {
			fail(p, "invalid value '%s' for %s (%s from %.0f to %.0f)", value, k->key,
			     k->value_help, k->min, k->max);
			return 0;
		}
		if (apply) {
			memcpy(c->opt.pids, scratch.pids, scratch.npids * sizeof(scratch.pids[0]));
			c->opt.npids = scratch.npids;
		}
		return 1;
	case LW_T_COMM:
		if (!*value) {
			fail(p, "empty value for %s (%s)", k->key, k->value_help);
			return 0;
		}
		if (apply)
			snprintf(c->opt.comm, sizeof(c->opt.comm), "%s", value);
		return 1;
	case LW_T_VIEW:
		if (strcmp(value, "auto") && strcmp(value, "top") && strcmp(value, "json")) {
			fail(p, "invalid value '%s' for %s (%s)", value, k->key, k->value_help);
			return 0;
		}
		if (apply)
			c->opt.view = !strcmp(value, "top") ? LW_VIEW_TOP :
				      !strcmp(value, "json") ? LW_VIEW_JSON : LW_VIEW_AUTO;
		return 1;
	case LW_T_BOOL:
		if (strcmp(value, "true") && strcmp(value, "false")) {
			fail(p, "invalid value '%s' for %s (%s)", value, k->key, k->value_help);
			return 0;
		}
		if (apply)
			*(bool *)((char *)&c->opt + k->offset) = !strcmp(value, "true");
		return 1;
	case LW_T_PATH:
		if (strlen(value) >= sizeof(c->prom_file)) {
			fail(p, "value for %s is too long", k->key);
			return 0;
		}
		if (apply) {
			snprintf(c->prom_file, sizeof(c->prom_file), "%s", value);
			c->opt.prom_file = c->prom_file[0] ? c->prom_file : NULL;
		}
		return 1;
	case LW_T_CMD:
		if (strlen(value) >= sizeof(c->alert_exec)) {
			fail(p, "value for %s is too long", k->key);
			return 0;
		}
		if (apply) {
			snprintf(c->alert_exec, sizeof(c->alert_exec), "%s", value);
			c->opt.alert_exec = c->alert_exec[0] ? c->alert_exec : NULL;
		}
		return 1;
	default:
		return 0;
	}
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse *p = user;
	const struct lw_setting *k = lw_settings_by_key(section, name);
	bool known_section = false;

	if (!*section) {
		fail(p, "key '%s' outside a section (put it under [thresholds], [output] ...)",
		     name);
		return 0;
	}
	if (k)
		return set(p, k, value);
	for (size_t i = 0; i < lw_nsettings && !known_section; i++)
		known_section = lw_settings[i].section && !strcmp(lw_settings[i].section, section);
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
	lw_settings_defaults(c, LW_IN_CONFIG);
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

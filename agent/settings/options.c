// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "settings/options.h"
#include "settings/table.h"

static const char usage_head[] =
	"Usage: loopwatch [OPTIONS]\n"
	"Explains event-loop lag, stalls, herds, undrained edge-triggered sockets and\n"
	"backpressure of every epoll loop on this host, from the kernel side.\n"
	"\n";
static const char usage_tail[] =
	"\n"
	"Exit status: 0 ok, 1 missing privilege or kernel feature, 2 bad option or config.\n";

void lw_options_usage(FILE *out)
{
	fputs(usage_head, out);
	lw_settings_usage(out);
	fputs(usage_tail, out);
}

/* getopt's id of a setting: its short flag, or past every character. */
#define LONG_ONLY 0x100

static int opt_id(size_t i)
{
	return lw_settings[i].short_flag ? lw_settings[i].short_flag : LONG_ONLY + (int)i;
}

void lw_options_defaults(struct lw_options *o)
{
	memset(o, 0, sizeof(*o));
	lw_settings_defaults(o, LW_IN_OPTIONS);
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

/* One flag of the table with its value (NULL: none). */
static int apply(struct lw_options *o, const struct lw_setting *s, char *arg, char *err,
		 size_t errlen)
{
	char *field = (char *)o + s->offset;
	char name[32];

	snprintf(name, sizeof(name), "--%s", s->flag);
	o->set_mask |= s->set_bit;
	switch (s->type) {
	case LW_T_UINT:
		return num(name, arg, (uint64_t)s->min, (uint64_t)s->max, (unsigned int *)field, err,
			   errlen);
	case LW_T_PIDS:
		return parse_pids(o, arg, err, errlen);
	case LW_T_COMM:
		if (!*arg) {
			snprintf(err, errlen, "%s needs a name", name);
			return -EINVAL;
		}
		/* the kernel keeps 15 characters of a command name */
		snprintf(o->comm, sizeof(o->comm), "%s", arg);
		return 0;
	case LW_T_VIEW:
		o->view = (enum lw_view)s->def;
		return 0;
	case LW_T_BOOL:
		*(bool *)field = s->def != 0;
		return 0;
	case LW_T_PATH:
		if (!*arg) {
			snprintf(err, errlen, "%s needs a path", name);
			return -EINVAL;
		}
		*(const char **)field = arg;
		return 0;
	case LW_T_CMD:
	case LW_T_FILE:
		*(const char **)field = arg;
		return 0;
	case LW_T_DETECT:
		if (lw_parse_detect(arg, &o->detect)) {
			snprintf(err, errlen,
				 "invalid value '%s' for %s (loop, readiness, backpressure or all, comma-separated)",
				 arg, name);
			return -EINVAL;
		}
		return 0;
	case LW_T_HOOKS:
		if (lw_parse_hooks(arg, &o->hooks)) {
			snprintf(err, errlen,
				 "invalid value '%s' for %s (auto, fentry, kprobe or tracepoint)", arg,
				 name);
			return -EINVAL;
		}
		return 0;
	case LW_T_VERBOSE:
		o->verbose++;
		return 0;
	default:
		return 0;
	}
}

int lw_options_parse(struct lw_options *o, int argc, char **argv, void *out, char *err,
		     size_t errlen)
{
	struct option long_opts[lw_nsettings + 1];
	char shorts[2 + 2 * lw_nsettings + 1];
	size_t ns = 0, nl = 0;
	FILE *fout = out;
	int c, rc = 0;

	shorts[ns++] = ':';
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];

		if (!s->flag)
			continue;
		long_opts[nl++] = (struct option){ s->flag, s->arg ? required_argument : no_argument,
						   NULL, opt_id(i) };
		if (s->short_flag) {
			shorts[ns++] = s->short_flag;
			if (s->arg)
				shorts[ns++] = ':';
		}
	}
	long_opts[nl] = (struct option){ 0 };
	shorts[ns] = '\0';
	opterr = 0;
	/* 0, not 1: glibc then also forgets a half-parsed cluster like "-5d" of
	 * an earlier call, whose pointer would dangle (found by fuzz_options) */
	optind = 0;
	while ((c = getopt_long(argc, argv, shorts, long_opts, NULL)) != -1) {
		const struct lw_setting *s = NULL;

		for (size_t i = 0; i < lw_nsettings && !s; i++)
			if (lw_settings[i].flag && opt_id(i) == c)
				s = &lw_settings[i];
		if (s && s->type == LW_T_HELP) {
			lw_options_usage(fout);
			return LW_OPT_EXIT;
		}
		if (s && s->type == LW_T_VERSION) {
			fprintf(fout, "loopwatch %s\n", LW_VERSION);
			return LW_OPT_EXIT;
		}
		if (s) {
			rc = apply(o, s, optarg, err, errlen);
			if (rc)
				return rc;
			continue;
		}
		if (c == ':') {
			snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		}
		if (optopt)
			snprintf(err, errlen, "unknown option '-%c'", optopt);
		else
			snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
		return -EINVAL;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return LW_OPT_RUN;
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "settings/reload.h"
#include "util/log.h"

int lw_settings_load(struct lw_settings *s, const struct lw_options *flags, char *err,
		     size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->flags = *flags;
	s->cfg = calloc(1, sizeof(*s->cfg));
	if (!s->cfg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	rc = lw_config_load(s->cfg, flags->config, flags, err, errlen);
	if (rc) {
		free(s->cfg);
		s->cfg = NULL;
	}
	return rc;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Settings the probes or the screen took at start: a reload keeps them. */
static void keep_fixed(struct lw_options *n, const struct lw_options *old, char *what, size_t len)
{
	size_t o = 0;

	what[0] = '\0';
#define FIXED(cond, name)                                                                  \
	do {                                                                               \
		if (cond) {                                                                \
			int w = snprintf(what + o, len - o, "%s%s", o ? ", " : "", name);  \
			if (w > 0 && (size_t)w < len - o)                                  \
				o += (size_t)w;                                            \
		}                                                                          \
	} while (0)
	FIXED(n->npids != old->npids ||
	      memcmp(n->pids, old->pids, old->npids * sizeof(old->pids[0])), "pid");
	FIXED(strcmp(n->comm, old->comm), "comm");
	FIXED(n->view != old->view, "view");
	FIXED(n->max_threads != old->max_threads, "max_threads");
	FIXED(n->max_sockets != old->max_sockets, "max_sockets");
	FIXED(n->starve_ms != old->starve_ms, "starve_ms");
	FIXED(n->stacks != old->stacks, "stacks");
#undef FIXED
	n->npids = old->npids;
	memcpy(n->pids, old->pids, sizeof(n->pids));
	memcpy(n->comm, old->comm, sizeof(n->comm));
	n->view = old->view;
	n->max_threads = old->max_threads;
	n->max_sockets = old->max_sockets;
	n->starve_ms = old->starve_ms;
	n->stacks = old->stacks;
}

int lw_settings_reload(struct lw_settings *s)
{
	struct lw_config *c, *old = s->cfg;
	char err[512], fixed[128];
	int rc;

	if (!s->flags.config) {
		lw_info("SIGHUP: no config file to reload (start with --config FILE)");
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		lw_err("SIGHUP: out of memory; keeping the previous settings");
		return -ENOMEM;
	}
	rc = lw_config_load(c, s->flags.config, &s->flags, err, sizeof(err));
	if (rc) {
		lw_err("SIGHUP: %s; keeping the previous settings", err);
		free(c);
		return rc;
	}
	keep_fixed(&c->opt, &old->opt, fixed, sizeof(fixed));
	if (fixed[0])
		lw_warn("SIGHUP: %s changed in %s; restart loopwatch to apply", fixed,
			s->flags.config);
	/* a textfile that moved would go stale where node_exporter still reads it */
	if (old->opt.prom_file && !same_str(old->opt.prom_file, c->opt.prom_file) &&
	    unlink(old->opt.prom_file) == 0)
		lw_info("removed the old textfile %s", old->opt.prom_file);
	free(s->prev);
	s->prev = old;
	s->cfg = c;
	lw_info("reloaded %s: lag_ms %u, sustain %u, stall_ms %u, interval %u s, textfile %s, alert-exec %s",
		s->flags.config, c->opt.lag_ms, c->opt.sustain, c->opt.stall_ms, c->opt.interval_s,
		c->opt.prom_file ? c->opt.prom_file : "off", c->opt.alert_exec ? "on" : "off");
	return 0;
}

void lw_settings_free(struct lw_settings *s)
{
	free(s->cfg);
	free(s->prev);
	s->cfg = NULL;
	s->prev = NULL;
}

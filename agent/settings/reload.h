/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The settings in force: the command line merged with the config file, read
 * at start and again on SIGHUP. What the probes or the screen took at start
 * (filters, view, map sizes) keeps its value over a reload, and a line says
 * so; a file that does not load leaves the settings as they were.
 */
#ifndef LOOPWATCH_RELOAD_H
#define LOOPWATCH_RELOAD_H

#include <stddef.h>
#include "settings/config.h"
#include "settings/options.h"

struct lw_settings {
	struct lw_options flags;	/* the command line, merged again on reload */
	struct lw_config *cfg;		/* in force (heap: never copied) */
	struct lw_config *prev;		/* the one before the last reload: what
					 * still points into it stays valid until
					 * the next reload */
};

/* Read the config file named by flags->config (if any) under the command
 * line's flags. Returns 0, or -errno with one line in err (exit status 2). */
int lw_settings_load(struct lw_settings *s, const struct lw_options *flags, char *err,
		     size_t errlen);
/* SIGHUP: read the file again. Returns 0 with s->cfg the new settings, or
 * -errno with s->cfg as it was and one line logged saying why. */
int lw_settings_reload(struct lw_settings *s);
void lw_settings_free(struct lw_settings *s);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The config file (--config): thresholds, sustain, outputs and filters in INI
 * form, parsed with libinih. Settings given on the command line win over the
 * file (struct lw_options.set_mask). See README.md "Config file".
 */
#ifndef LOOPWATCH_CONFIG_H
#define LOOPWATCH_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include "model/alerts.h"
#include "settings/options.h"

#define LW_CMD_MAX 1024

struct lw_config {
	/* effective options; prom_file and alert_exec may point into the
	 * buffers below, so a struct lw_config is never copied by value */
	struct lw_options opt;
	struct lw_alert_cfg alert;
	unsigned int exec_timeout_s;	/* --alert-exec: kill the command after */
	unsigned int exec_per_min;	/* --alert-exec: runs per minute at most */
	char prom_file[PATH_MAX];
	char alert_exec[LW_CMD_MAX];
};

/* Fill c from the command line (flags) and, if path is not NULL, the file at
 * path. Returns 0, or -errno / -EINVAL with one line in err naming the file,
 * the line and what is wrong with it; c is then undefined. */
int lw_config_load(struct lw_config *c, const char *path, const struct lw_options *flags,
		   char *err, size_t errlen);
/* The same from a string (tests, fuzzing); name is used in messages. */
int lw_config_load_string(struct lw_config *c, const char *text, const char *name,
			  const struct lw_options *flags, char *err, size_t errlen);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every setting once: its flag, its config key, its type, range, default and
 * whether SIGHUP changes it. The command line parser (options.c), the config
 * file parser (config.c), the defaults, --help and the README's options
 * table (table_doc.c, `make readme-options`) are all read from this table, so
 * they cannot drift apart; tests/unit/test_table.c checks README.md and
 * docs/loopwatch.8 against it.
 */
#ifndef LOOPWATCH_TABLE_H
#define LOOPWATCH_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum lw_set_type {
	LW_T_UINT,	/* a whole number in [min, max] */
	LW_T_RATIO,	/* a real number in [min, max] */
	LW_T_PIDS,	/* a list of pids */
	LW_T_COMM,	/* a command name */
	LW_T_VIEW,	/* the view: auto, top or json; a flag sets it to def */
	LW_T_BOOL,	/* true or false; a flag sets it to def */
	LW_T_PATH,	/* the textfile's path */
	LW_T_CMD,	/* the alert command */
	LW_T_FILE,	/* the config file (a flag only) */
	LW_T_DETECT,	/* the families to load */
	LW_T_HOOKS,	/* how epoll waits are hooked */
	LW_T_VERBOSE,	/* counted */
	LW_T_HELP,
	LW_T_VERSION,
};

/* Which struct a setting's field is in (at offset). */
enum lw_set_home {
	LW_IN_NONE,
	LW_IN_OPTIONS,	/* struct lw_options */
	LW_IN_ALERT,	/* struct lw_alert_cfg */
	LW_IN_CONFIG,	/* struct lw_config's own fields */
};

struct lw_setting {
	const char *flag;	/* long option without "--", or NULL */
	char short_flag;	/* or 0 */
	const char *arg;	/* the value's name in --help, or NULL: no value */
	const char *section;	/* config file [section] and key, or NULL */
	const char *key;
	enum lw_set_type type;
	double min, max;	/* LW_T_UINT, LW_T_RATIO */
	double def;		/* the default of a number; a flag's view */
	const char *def_text;	/* the default in words, where it is not a number */
	bool reload;		/* SIGHUP applies a changed value at once */
	uint32_t set_bit;	/* enum lw_opt_bit: the command line set it */
	enum lw_set_home home;
	size_t offset;
	const char *help;	/* --help; '\n' starts a continuation line */
	const char *value_help;	/* what a valid value is, in config errors */
};

extern const struct lw_setting lw_settings[];
extern const size_t lw_nsettings;

/* Set every numeric field of home in base (a struct of that kind) to its
 * default; other fields are left alone. */
void lw_settings_defaults(void *base, enum lw_set_home home);
/* The setting with this [section] key, or NULL. */
const struct lw_setting *lw_settings_by_key(const char *section, const char *key);
/* The default as the docs give it: "50", "0.9", or def_text ("" if none). */
void lw_setting_default_str(const struct lw_setting *s, char *out, size_t len);
/* The option lines of --help. */
void lw_settings_usage(FILE *out);
/* The README's options table (Markdown), as `make readme-options` writes it. */
void lw_settings_markdown(FILE *out);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * SIGHUP (agent/settings/reload.c): the file read again under the same
 * command line. A changed reloadable key takes effect; one the probes or the
 * screen took at start keeps its value and a line says so; a bad file keeps
 * the old settings, whole, and says why in one line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "settings/reload.h"
#include "settings/table.h"
#include "util/log.h"

static char logged[8][512];
static unsigned int nlogged;

static void take_log(enum lw_log_level level, const char *line)
{
	(void)level;
	if (nlogged < 8)
		snprintf(logged[nlogged], sizeof(logged[0]), "%s", line);
	nlogged++;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

struct fixture {
	char path[64];
	struct lw_options flags;
	struct lw_settings s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256] = "";
	int fd;

	assert_non_null(f);
	snprintf(f->path, sizeof(f->path), "/tmp/lw-reload-test.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	write_file(f->path, "[filter]\ncomm = nginx\n[thresholds]\nlag_ms = 80\nsustain = 3\n"
			    "[output]\ninterval = 2\n");
	lw_options_defaults(&f->flags);
	f->flags.config = f->path;
	assert_int_equal(lw_settings_load(&f->s, &f->flags, err, sizeof(err)), 0);
	assert_int_equal(f->s.cfg->opt.lag_ms, 80);
	nlogged = 0;
	lw_log_set_print(take_log);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	lw_log_set_print(NULL);
	lw_settings_free(&f->s);
	unlink(f->path);
	free(f);
	return 0;
}

static void changed_key_takes_effect(void **state)
{
	struct fixture *f = *state;

	write_file(f->path, "[filter]\ncomm = nginx\n[thresholds]\nlag_ms = 120\nsustain = 5\n"
			    "[output]\ninterval = 4\n");
	assert_int_equal(lw_settings_reload(&f->s), 0);
	assert_int_equal(f->s.cfg->opt.lag_ms, 120);
	assert_int_equal(f->s.cfg->opt.sustain, 5);
	assert_int_equal(f->s.cfg->opt.interval_s, 4);
	/* what the alert rules read follows */
	assert_true(f->s.cfg->alert.lag_ms == 120);
	assert_int_equal(f->s.cfg->alert.sustain, 5);
	assert_int_equal(nlogged, 1);
	assert_non_null(strstr(logged[0], "reloaded"));
	assert_non_null(strstr(logged[0], "lag_ms 120, sustain 5"));
}

static void fixed_key_keeps_its_value(void **state)
{
	struct fixture *f = *state;

	write_file(f->path, "[filter]\ncomm = redis\n[thresholds]\nlag_ms = 90\n");
	assert_int_equal(lw_settings_reload(&f->s), 0);
	assert_string_equal(f->s.cfg->opt.comm, "nginx");
	assert_int_equal(f->s.cfg->opt.lag_ms, 90);
	assert_int_equal(nlogged, 2);
	assert_non_null(strstr(logged[0], "comm changed"));
	assert_non_null(strstr(logged[0], "restart loopwatch to apply"));
}

static void bad_file_keeps_the_old_settings(void **state)
{
	struct fixture *f = *state;
	const struct lw_config *before = f->s.cfg;

	write_file(f->path, "[thresholds]\nlag_ms = 10\nsustain = never\n");
	assert_int_equal(lw_settings_reload(&f->s), -EINVAL);
	assert_ptr_equal(f->s.cfg, before);
	assert_int_equal(f->s.cfg->opt.lag_ms, 80);
	assert_int_equal(f->s.cfg->opt.sustain, 3);
	assert_int_equal(f->s.cfg->opt.interval_s, 2);
	assert_int_equal(nlogged, 1);
	assert_non_null(strstr(logged[0], "SIGHUP: bad config"));
	assert_non_null(strstr(logged[0], "line 3"));
	assert_non_null(strstr(logged[0], "keeping the previous settings"));

	/* a file that is gone is as bad */
	unlink(f->path);
	nlogged = 0;
	assert_true(lw_settings_reload(&f->s) < 0);
	assert_ptr_equal(f->s.cfg, before);
	assert_int_equal(nlogged, 1);
}

/* Strings of the settings before stay valid until the next reload: the
 * views and the alert command hold them. */
static void previous_settings_outlive_one_reload(void **state)
{
	struct fixture *f = *state;
	const struct lw_config *first = f->s.cfg;

	assert_int_equal(lw_settings_reload(&f->s), 0);
	assert_ptr_equal(f->s.prev, first);
	assert_string_equal(f->s.prev->opt.comm, "nginx");
}

/* A textfile that moved is removed where it was. */
static void moved_textfile_is_removed(void **state)
{
	struct fixture *f = *state;
	char old[80], text[256];
	struct lw_settings s;
	char err[256] = "";

	snprintf(old, sizeof(old), "%s.prom", f->path);
	write_file(old, "x 1\n");
	snprintf(text, sizeof(text), "[output]\nprom_file = %s\n", old);
	write_file(f->path, text);
	lw_log_set_print(NULL);
	assert_int_equal(lw_settings_load(&s, &f->flags, err, sizeof(err)), 0);
	lw_log_set_print(take_log);
	write_file(f->path, "[output]\ninterval = 1\n");
	assert_int_equal(lw_settings_reload(&s), 0);
	assert_int_equal(access(old, F_OK), -1);
	assert_null(s.cfg->opt.prom_file);
	assert_non_null(strstr(logged[0], "removed the old textfile"));
	lw_settings_free(&s);
}

/* The field a setting lands in, in c. */
static const void *field_of(const struct lw_config *c, const struct lw_setting *k)
{
	const char *base = k->home == LW_IN_OPTIONS ? (const char *)&c->opt :
			   k->home == LW_IN_ALERT   ? (const char *)&c->alert :
						      (const char *)c;

	return base + k->offset;
}

/* A value for k that differs from what setup's file gives; NULL: a type
 * this test does not write (paths and commands have their own tests). */
static const char *other_value(const struct lw_setting *k, char *buf, size_t len)
{
	switch (k->type) {
	case LW_T_UINT:
		snprintf(buf, len, "%u", (unsigned int)k->min + 7);
		return buf;
	case LW_T_RATIO:
		snprintf(buf, len, "%g", k->min + (k->max - k->min) / 3);
		return buf;
	case LW_T_PIDS:
		return "4242";
	case LW_T_COMM:
		return "redis";
	case LW_T_VIEW:
		return "json";
	case LW_T_BOOL:
		return "false";	/* every one defaults to true */
	default:
		return NULL;
	}
}

static bool field_changed(const struct lw_setting *k, const struct lw_config *a,
			  const struct lw_config *b)
{
	const void *x = field_of(a, k), *y = field_of(b, k);

	switch (k->type) {
	case LW_T_UINT:
		return *(const unsigned int *)x != *(const unsigned int *)y;
	case LW_T_RATIO:
		return *(const double *)x != *(const double *)y;
	case LW_T_PIDS:
		return a->opt.npids != b->opt.npids || a->opt.pids[0] != b->opt.pids[0];
	case LW_T_COMM:
		return strcmp(x, y) != 0;
	case LW_T_VIEW:
		return *(const enum lw_view *)x != *(const enum lw_view *)y;
	case LW_T_BOOL:
		return *(const bool *)x != *(const bool *)y;
	default:
		return false;
	}
}

/* What SIGHUP changes is what the option table says it changes: the
 * reload's list of fixed settings and the table cannot drift apart. */
static void reload_follows_the_table(void **state)
{
	struct fixture *f = *state;
	unsigned int checked = 0;

	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *k = &lw_settings[i];
		char buf[32], text[256];
		const char *v = k->key ? other_value(k, buf, sizeof(buf)) : NULL;
		struct lw_config before;

		if (!v)
			continue;
		memcpy(&before, f->s.cfg, sizeof(before));
		snprintf(text, sizeof(text), "[filter]\ncomm = nginx\n[thresholds]\nlag_ms = 80\n"
					     "sustain = 3\n[output]\ninterval = 2\n[%s]\n%s = %s\n",
			 k->section, k->key, v);
		write_file(f->path, text);
		assert_int_equal(lw_settings_reload(&f->s), 0);
		if (field_changed(k, &before, f->s.cfg) != k->reload)
			fail_msg("[%s] %s: the table says reload=%d, SIGHUP %s it", k->section,
				 k->key, k->reload, k->reload ? "kept" : "changed");
		/* back to setup's file for the next key */
		write_file(f->path, "[filter]\ncomm = nginx\n[thresholds]\nlag_ms = 80\nsustain = 3\n"
				    "[output]\ninterval = 2\n");
		assert_int_equal(lw_settings_reload(&f->s), 0);
		checked++;
	}
	assert_true(checked >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(changed_key_takes_effect, setup, teardown),
		cmocka_unit_test_setup_teardown(fixed_key_keeps_its_value, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_file_keeps_the_old_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(previous_settings_outlive_one_reload, setup,
						teardown),
		cmocka_unit_test_setup_teardown(moved_textfile_is_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_follows_the_table, setup, teardown),
	};

	return cmocka_run_group_tests_name("config_reload", tests, NULL, NULL);
}

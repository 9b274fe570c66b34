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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(changed_key_takes_effect, setup, teardown),
		cmocka_unit_test_setup_teardown(fixed_key_keeps_its_value, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_file_keeps_the_old_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(previous_settings_outlive_one_reload, setup,
						teardown),
		cmocka_unit_test_setup_teardown(moved_textfile_is_removed, setup, teardown),
	};

	return cmocka_run_group_tests_name("config_reload", tests, NULL, NULL);
}

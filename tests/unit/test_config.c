// SPDX-License-Identifier: GPL-2.0
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
#include "settings/config.h"

static const char good[] =
	"; loopwatch settings\n"
	"# both comment styles\n"
	"[filter]\n"
	"comm = nginx\n"
	"pid = 12, 34,56\n"
	"\n"
	"[thresholds]\n"
	"lag_ms = 80\n"
	"stall_ms = 40\n"
	"starve_ms = 500\n"
	"sustain = 5   ; inline comment\n"
	"queue_ratio = 0.75\n"
	"herd_futile_ratio = 0.6\n"
	"herd_min_wakeups_per_s = 100\n"
	"retransmits_per_s = 2.5\n"
	"[output]\n"
	"view = json\n"
	"interval = 2\n"
	"prom_file = /var/lib/prometheus/node-exporter/loopwatch.prom\n"
	"max_series = 50\n"
	"[alerts]\n"
	"exec = /usr/local/bin/page-oncall --quiet\n"
	"exec_timeout_s = 30\n"
	"exec_per_min = 6\n"
	"[limits]\n"
	"max_threads = 4096\n";

static struct lw_config *load(const char *text, const struct lw_options *flags, char *err,
			      int *rc)
{
	struct lw_config *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	*rc = lw_config_load_string(c, text, "test.conf", flags, err, 256);
	return c;
}

static void good_file_sets_everything(void **state)
{
	struct lw_options flags;
	struct lw_config *c;
	char err[256] = "";
	int rc;

	(void)state;
	lw_options_defaults(&flags);
	c = load(good, &flags, err, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(c->opt.comm, "nginx");
	assert_int_equal(c->opt.npids, 3);
	assert_int_equal(c->opt.pids[2], 56);
	assert_int_equal(c->opt.lag_ms, 80);
	assert_int_equal(c->opt.stall_ms, 40);
	assert_int_equal(c->opt.starve_ms, 500);
	assert_int_equal(c->opt.sustain, 5);
	assert_int_equal(c->opt.view, LW_VIEW_JSON);
	assert_int_equal(c->opt.interval_s, 2);
	assert_string_equal(c->opt.prom_file, "/var/lib/prometheus/node-exporter/loopwatch.prom");
	assert_int_equal(c->opt.max_series, 50);
	assert_string_equal(c->opt.alert_exec, "/usr/local/bin/page-oncall --quiet");
	assert_int_equal(c->opt.max_threads, 4096);
	assert_int_equal(c->exec_timeout_s, 30);
	assert_int_equal(c->exec_per_min, 6);
	/* the alert rules see the merged figures */
	assert_true(c->alert.lag_ms > 79.9 && c->alert.lag_ms < 80.1);
	assert_int_equal(c->alert.sustain, 5);
	assert_int_equal(c->alert.interval_s, 2);
	assert_true(c->alert.queue_ratio > 0.749 && c->alert.queue_ratio < 0.751);
	assert_true(c->alert.herd_futile_ratio > 0.59 && c->alert.herd_futile_ratio < 0.61);
	assert_true(c->alert.herd_min_wakeups_per_s > 99 && c->alert.herd_min_wakeups_per_s < 101);
	assert_true(c->alert.retransmits_per_s > 2.49 && c->alert.retransmits_per_s < 2.51);
	free(c);
}

static void flags_win_over_the_file(void **state)
{
	char *argv[] = { "loopwatch", "--lag-ms", "20", "--prom-file", "/tmp/x.prom", "-c", "redis",
			 "--top", NULL };
	struct lw_options flags;
	struct lw_config *c;
	char err[256] = "";
	int rc;

	(void)state;
	lw_options_defaults(&flags);
	assert_int_equal(lw_options_parse(&flags, 8, argv, stderr, err, sizeof(err)), LW_OPT_RUN);
	c = load(good, &flags, err, &rc);
	assert_int_equal(rc, 0);
	assert_int_equal(c->opt.lag_ms, 20);
	assert_true(c->alert.lag_ms > 19.9 && c->alert.lag_ms < 20.1);
	assert_string_equal(c->opt.prom_file, "/tmp/x.prom");
	assert_string_equal(c->opt.comm, "redis");
	assert_int_equal(c->opt.view, LW_VIEW_TOP);
	/* what the command line left alone comes from the file */
	assert_int_equal(c->opt.sustain, 5);
	assert_int_equal(c->opt.npids, 3);
	free(c);
}

static void no_file_keeps_the_defaults(void **state)
{
	struct lw_options flags;
	struct lw_config *c = calloc(1, sizeof(*c));
	char err[256] = "";

	(void)state;
	lw_options_defaults(&flags);
	assert_int_equal(lw_config_load(c, NULL, &flags, err, sizeof(err)), 0);
	assert_int_equal(c->opt.lag_ms, 50);
	assert_int_equal(c->alert.sustain, 3);
	assert_null(c->opt.prom_file);
	assert_int_equal(c->exec_timeout_s, 10);
	assert_int_equal(lw_config_load(c, "/nonexistent/loopwatch.conf", &flags, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "cannot read config /nonexistent/loopwatch.conf: No such file or directory");
	free(c);
}

static void expect_error(const char *text, const char *want)
{
	struct lw_options flags;
	struct lw_config *c;
	char err[256] = "";
	int rc;

	lw_options_defaults(&flags);
	c = load(text, &flags, err, &rc);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(err, want);
	assert_null(strchr(err, '\n'));
	free(c);
}

static void bad_key(void **state)
{
	(void)state;
	expect_error("[thresholds]\nlag_ms = 10\nlag = 10\n",
		     "bad config test.conf line 3: unknown key 'lag' in [thresholds]");
	expect_error("[threshold]\nlag_ms = 10\n",
		     "bad config test.conf line 2: unknown section [threshold] (filter, thresholds, output, alerts, limits)");
	expect_error("lag_ms = 10\n",
		     "bad config test.conf line 1: key 'lag_ms' outside a section (put it under [thresholds], [output] ...)");
	/* the command line setting a key does not excuse a wrong one */
	expect_error("[output]\n\nprom_fil = /tmp/a\n",
		     "bad config test.conf line 3: unknown key 'prom_fil' in [output]");
}

static void bad_value(void **state)
{
	(void)state;
	expect_error("[thresholds]\nlag_ms = fast\n",
		     "bad config test.conf line 2: invalid value 'fast' for lag_ms (a whole number from 1 to 3600000)");
	expect_error("[thresholds]\nsustain = 0\n",
		     "bad config test.conf line 2: invalid value '0' for sustain (a whole number from 1 to 1000)");
	expect_error("[thresholds]\nqueue_ratio = 0.9x\n",
		     "bad config test.conf line 2: invalid value '0.9x' for queue_ratio (a number from 0.01 to 4)");
	expect_error("[output]\nview = fancy\n",
		     "bad config test.conf line 2: invalid value 'fancy' for view (auto, top or json)");
	expect_error("[filter]\npid = 12,abc\n",
		     "bad config test.conf line 2: invalid value '12,abc' for pid (a comma-separated list of pids from 1 to 4194304)");
	expect_error("[output]\ninterval =\n",
		     "bad config test.conf line 2: invalid value '' for interval (a whole number from 1 to 3600)");
}

static void syntax_errors_and_long_lines(void **state)
{
	char text[400];

	(void)state;
	expect_error("[thresholds]\nlag_ms 10\n",
		     "bad config test.conf line 2: syntax error (want [section] or key = value)");
	expect_error("[output\n", "bad config test.conf line 1: syntax error (want [section] or key = value)");
	/* the first error is the one reported */
	expect_error("[thresholds]\nnope = 1\nlag_ms 10\n",
		     "bad config test.conf line 2: unknown key 'nope' in [thresholds]");
	snprintf(text, sizeof(text), "[alerts]\nexec = %0300d\n", 1);
	expect_error(text, "bad config test.conf line 2: line longer than 198 characters");
}

static void file_on_disk(void **state)
{
	char path[] = "/tmp/lw-config-test.XXXXXX", err[256] = "";
	struct lw_options flags;
	struct lw_config *c = calloc(1, sizeof(*c));
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);
	lw_options_defaults(&flags);
	assert_int_equal(lw_config_load(c, path, &flags, err, sizeof(err)), 0);
	assert_int_equal(c->opt.lag_ms, 80);
	unlink(path);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_file_sets_everything),
		cmocka_unit_test(flags_win_over_the_file),
		cmocka_unit_test(no_file_keeps_the_defaults),
		cmocka_unit_test(bad_key),
		cmocka_unit_test(bad_value),
		cmocka_unit_test(syntax_errors_and_long_lines),
		cmocka_unit_test(file_on_disk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

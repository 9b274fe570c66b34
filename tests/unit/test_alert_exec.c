// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "views/alert_exec.h"

#define S 1000000000ull

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * S + (uint64_t)ts.tv_nsec;
}

/* Reap until nothing runs (real time, bounded); now_ns is what reap sees. */
static void wait_all(struct lw_alert_exec *x, uint64_t now_ns)
{
	for (int i = 0; i < 500 && lw_alert_exec_reap(x, now_ns); i++)
		usleep(10000);
	assert_int_equal(x->nkids, 0);
}

static void command_gets_the_json_on_stdin(void **state)
{
	char dir[] = "/tmp/lw-exec-test.XXXXXX", cmd[1024], path[200], buf[256] = "";
	const char *json = "{\"type\":\"alert\",\"rule\":\"loop_lag\"}\n";
	struct lw_alert_exec x;
	uint64_t t0 = mono_ns();
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/got", dir);
	/* the agent blocks these for its signalfd; the command must not inherit that */
	snprintf(cmd, sizeof(cmd), "cat > %s.part && grep -q '^SigBlk:\t0*$' /proc/self/status && mv %s.part %s",
		 path, path, path);
	{
		sigset_t mask;

		sigemptyset(&mask);
		sigaddset(&mask, SIGTERM);
		sigprocmask(SIG_BLOCK, &mask, NULL);
	}
	lw_alert_exec_init(&x, cmd, 5, 10, -1);
	assert_int_equal(lw_alert_exec_run(&x, json, t0), 0);
	assert_int_equal(x.nkids, 1);
	wait_all(&x, t0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf) - 1), (ssize_t)strlen(json));
	close(fd);
	assert_string_equal(buf, json);
	unlink(path);
	rmdir(dir);
	assert_int_equal(x.started, 1);
	assert_int_equal(x.killed, 0);
}

static void a_hung_command_is_killed_with_its_children(void **state)
{
	char dir[] = "/tmp/lw-exec-test.XXXXXX", cmd[1024], path[200];
	struct lw_alert_exec x;
	uint64_t t0 = mono_ns(), t1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/late", dir);
	/* a grandchild in the same process group must die too */
	snprintf(cmd, sizeof(cmd), "(sleep 30; touch %s) & sleep 30", path);
	lw_alert_exec_init(&x, cmd, 2, 10, -1);
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0), 0);
	/* starting it did not wait for it */
	assert_true(mono_ns() - t0 < S / 2);
	assert_int_equal(lw_alert_exec_reap(&x, t0 + S), 1);
	assert_int_equal(x.killed, 0);
	t1 = mono_ns();
	wait_all(&x, t0 + 2 * S);
	assert_int_equal(x.killed, 1);
	assert_true(mono_ns() - t1 < 2 * S);
	usleep(100000);
	assert_int_equal(access(path, F_OK), -1);
	rmdir(dir);
}

static void runs_are_rate_limited(void **state)
{
	struct lw_alert_exec x;
	uint64_t t0 = mono_ns();

	(void)state;
	lw_alert_exec_init(&x, "true", 5, 2, -1);
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0), 0);
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0), 0);
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0), -EAGAIN);
	assert_int_equal(x.skipped, 1);
	/* two a minute: one more after 30 s */
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0 + 31 * S), 0);
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0 + 32 * S), -EAGAIN);
	wait_all(&x, t0 + 32 * S);
	assert_int_equal(x.started, 3);
}

static void running_commands_are_capped(void **state)
{
	struct lw_alert_exec x;
	uint64_t t0 = mono_ns();

	(void)state;
	lw_alert_exec_init(&x, "sleep 30", 1, 600, -1);
	for (int i = 0; i < LW_EXEC_MAX_CHILDREN; i++)
		assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0), 0);
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", t0), -EAGAIN);
	wait_all(&x, t0 + 5 * S);
	assert_int_equal(x.killed, LW_EXEC_MAX_CHILDREN);
}

static void off_without_a_command(void **state)
{
	struct lw_alert_exec x;

	(void)state;
	lw_alert_exec_init(&x, NULL, 5, 10, -1);
	assert_int_equal(lw_alert_exec_run(&x, "{}\n", mono_ns()), 0);
	assert_int_equal(x.started, 0);
	lw_alert_exec_set(&x, "", 5, 10);
	assert_null(x.cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(command_gets_the_json_on_stdin),
		cmocka_unit_test(a_hung_command_is_killed_with_its_children),
		cmocka_unit_test(runs_are_rate_limited),
		cmocka_unit_test(running_commands_are_capped),
		cmocka_unit_test(off_without_a_command),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

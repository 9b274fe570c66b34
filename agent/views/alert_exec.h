/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --alert-exec CMD: run CMD through /bin/sh with one alert's JSON line on its
 * stdin, in the background, in its own process group, killed after a
 * timeout, at most so many per minute and so many at a time. Nothing here
 * waits for the command: the agent's loop must never stall on it.
 */
#ifndef LOOPWATCH_ALERT_EXEC_H
#define LOOPWATCH_ALERT_EXEC_H

#include <stdint.h>
#include <sys/types.h>

#define LW_EXEC_MAX_CHILDREN 8

struct lw_exec_child {
	pid_t pid;
	uint64_t started_ns;
	int killed;
};

struct lw_alert_exec {
	const char *cmd;		/* NULL: off */
	unsigned int timeout_s;
	unsigned int per_min;
	int out_fd;			/* the command's stdout and stderr; -1: /dev/null */
	struct lw_exec_child kids[LW_EXEC_MAX_CHILDREN];
	unsigned int nkids;
	double tokens;			/* rate limit: a bucket of per_min runs */
	uint64_t tokens_ns;
	uint64_t started, skipped, killed, failed;
	uint64_t skipped_reported;
};

void lw_alert_exec_init(struct lw_alert_exec *x, const char *cmd, unsigned int timeout_s,
			unsigned int per_min, int out_fd);
/* New settings (config reload); children already running are kept. */
void lw_alert_exec_set(struct lw_alert_exec *x, const char *cmd, unsigned int timeout_s,
		       unsigned int per_min);
/* Start CMD with json on its stdin. Returns 0, -EAGAIN when the rate limit or
 * the number of running commands says no (counted in skipped), or -errno. */
int lw_alert_exec_run(struct lw_alert_exec *x, const char *json, uint64_t now_ns);
/* Reap the commands that ended, kill those past the timeout, log what went
 * wrong. Returns how many still run. */
unsigned int lw_alert_exec_reap(struct lw_alert_exec *x, uint64_t now_ns);

#endif

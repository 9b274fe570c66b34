// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "views/alert_exec.h"
#include "util/log.h"

extern char **environ;

void lw_alert_exec_init(struct lw_alert_exec *x, const char *cmd, unsigned int timeout_s,
			unsigned int per_min, int out_fd)
{
	memset(x, 0, sizeof(*x));
	x->out_fd = out_fd;
	lw_alert_exec_set(x, cmd, timeout_s, per_min);
	x->tokens = x->per_min;
}

void lw_alert_exec_set(struct lw_alert_exec *x, const char *cmd, unsigned int timeout_s,
		       unsigned int per_min)
{
	x->cmd = cmd && *cmd ? cmd : NULL;
	x->timeout_s = timeout_s ? timeout_s : 10;
	x->per_min = per_min ? per_min : 20;
	if (x->tokens > x->per_min)
		x->tokens = x->per_min;
}

static bool take_token(struct lw_alert_exec *x, uint64_t now_ns)
{
	if (x->tokens_ns && now_ns > x->tokens_ns) {
		x->tokens += (double)(now_ns - x->tokens_ns) / 60e9 * x->per_min;
		if (x->tokens > x->per_min)
			x->tokens = x->per_min;
	}
	x->tokens_ns = now_ns;
	if (x->tokens < 1.0)
		return false;
	x->tokens -= 1.0;
	return true;
}

static int spawn(struct lw_alert_exec *x, int stdin_fd, pid_t *pid)
{
	static const int reset[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGWINCH,
				     SIGTSTP, SIGTTIN, SIGTTOU };
	char *argv[] = { "sh", "-c", (char *)x->cmd, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int err;

	sigemptyset(&none);
	sigemptyset(&dfl);
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaddset(&dfl, reset[i]);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	posix_spawn_file_actions_adddup2(&fa, stdin_fd, STDIN_FILENO);
	if (x->out_fd >= 0) {
		posix_spawn_file_actions_adddup2(&fa, x->out_fd, STDOUT_FILENO);
		posix_spawn_file_actions_adddup2(&fa, x->out_fd, STDERR_FILENO);
	} else {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
	}
	/* its own process group, so a timeout kills whatever it started too;
	 * the agent's blocked signals (signalfd) must not stay blocked in it */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					       POSIX_SPAWN_SETSIGDEF);
	err = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -err;
}

int lw_alert_exec_run(struct lw_alert_exec *x, const char *json, uint64_t now_ns)
{
	size_t len = strlen(json);
	int fds[2], err;
	pid_t pid;

	if (!x->cmd)
		return 0;
	lw_alert_exec_reap(x, now_ns);
	if (x->nkids == LW_EXEC_MAX_CHILDREN || !take_token(x, now_ns)) {
		x->skipped++;
		return -EAGAIN;
	}
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	/* The whole line goes into the pipe before the command starts: one alert
	 * is far below the pipe's capacity, so this never blocks, and a command
	 * that exits without reading cannot raise SIGPIPE in the agent. */
	if (write(fds[1], json, len) != (ssize_t)len) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err ? err : -EIO;
	}
	close(fds[1]);
	err = spawn(x, fds[0], &pid);
	close(fds[0]);
	if (err) {
		x->failed++;
		lw_warn("alert-exec: failed to start /bin/sh: %s", strerror(-err));
		return err;
	}
	x->kids[x->nkids].pid = pid;
	x->kids[x->nkids].started_ns = now_ns;
	x->kids[x->nkids].killed = 0;
	x->nkids++;
	x->started++;
	return 0;
}

unsigned int lw_alert_exec_reap(struct lw_alert_exec *x, uint64_t now_ns)
{
	unsigned int keep = 0;

	for (unsigned int i = 0; i < x->nkids; i++) {
		struct lw_exec_child *k = &x->kids[i];
		int status;
		pid_t r = waitpid(k->pid, &status, WNOHANG);

		if (r == k->pid || (r < 0 && errno == ECHILD)) {
			if (r == k->pid && !k->killed && WIFEXITED(status) && WEXITSTATUS(status))
				lw_warn("alert-exec: command exited with status %d",
					WEXITSTATUS(status));
			else if (r == k->pid && !k->killed && WIFSIGNALED(status))
				lw_warn("alert-exec: command killed by signal %d", WTERMSIG(status));
			continue;
		}
		if (!k->killed && now_ns - k->started_ns >= (uint64_t)x->timeout_s * 1000000000ull) {
			lw_warn("alert-exec: command still running after %u s: killed", x->timeout_s);
			kill(-k->pid, SIGKILL);
			k->killed = 1;
			x->killed++;
		}
		x->kids[keep++] = *k;
	}
	x->nkids = keep;
	if (x->skipped != x->skipped_reported) {
		lw_warn("alert-exec: %llu alert(s) not passed to the command (at most %u a minute, %d at a time)",
			(unsigned long long)(x->skipped - x->skipped_reported), x->per_min,
			LW_EXEC_MAX_CHILDREN);
		x->skipped_reported = x->skipped;
	}
	return keep;
}

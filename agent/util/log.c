// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/log.h"

static int log_verbose;
static int log_journal;
static lw_log_fn log_print;

void lw_log_init(int verbose)
{
	log_verbose = verbose;
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

lw_log_fn lw_log_set_print(lw_log_fn fn)
{
	lw_log_fn old = log_print;

	log_print = fn;
	return old;
}

void lw_vlog(enum lw_log_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;

	if (level == LW_LOG_DEBUG && !log_verbose)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (log_print)
		log_print(level, line);
	else if (log_journal)
		fprintf(stderr, "<%d>loopwatch: %s\n", level, line);
	else
		fprintf(stderr, "loopwatch: %s\n", line);
}

void lw_log(enum lw_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lw_vlog(level, fmt, ap);
	va_end(ap);
}

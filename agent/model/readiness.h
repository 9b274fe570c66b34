/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readiness hand-over in the agent: folds the probes' per-thread counters
 * (wake-ups, futile wake-ups, readiness lag) into the model, counts herds,
 * hot loops and undrained sockets per process, and watches undrained sockets
 * for the hang (starvation). No BPF in here: the kernel's socket entries are
 * read through a callback, so all of it is unit-tested.
 */
#ifndef LOOPWATCH_READINESS_H
#define LOOPWATCH_READINESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "model/model.h"
#include "ready.h"

/* Herd lines per process and interval; the summary counts them all. */
#define LW_RD_HERD_LINES 50
/* Undrained sockets watched for starvation at once. */
#define LW_RD_MAX_PENDING 4096

/* One entry of the kernel's ready_threads map. */
struct lw_rd_snap {
	uint32_t tid;
	struct lw_rd_thread t;
};

/* A starved connection: the hang. */
struct lw_starved {
	uint32_t pid, tid;
	char comm[LW_COMM_LEN];
	int32_t fd;
	uint32_t bytes_left;
	uint16_t lport, rport;
	double starved_ms;
};

/* An undrained socket the agent watches. */
struct lw_rd_pending {
	uint64_t sk;
	char comm[LW_COMM_LEN];
	uint16_t lport, rport;
	uint32_t tid;			/* the last report's, for an episode whose
					 * entry has none (und_tid 0: the sweep's) */
	uint64_t reported_und_ts;	/* und_ts of the episode reported starved */
};

struct lw_rd_lines {
	uint32_t pid;
	unsigned int herds;
};

/* Reads the kernel's entry for a socket: 0, or -ENOENT once it is gone. */
typedef int (*lw_rd_sock_fn)(void *ctx, uint64_t sk, struct lw_rd_sock *out);

struct lw_readiness {
	unsigned int starve_ms;
	struct lw_rd_snap *prev;	/* last snapshot, sorted by tid */
	size_t nprev;
	struct lw_rd_pending *pend;
	size_t npend, cap;
	struct lw_rd_lines *lines;	/* herd lines printed this interval */
	size_t nlines, lines_cap;
	uint64_t herds_suppressed;	/* lines not printed, since start */
};

/* Readiness-lag quantile of the interval in ms, never above its maximum. */
double lw_rd_ready_ms(const struct lw_interval *iv, double q);

void lw_rd_init(struct lw_readiness *r, unsigned int starve_ms);
void lw_rd_free(struct lw_readiness *r);

/* Fold a snapshot of ready_threads into the interval. epoch is the one that
 * just ended. Takes the malloc()ed array (sorted and kept until next call),
 * also when it fails part way (-ENOMEM). */
int lw_rd_apply_threads(struct lw_readiness *r, struct lw_model *m, struct lw_rd_snap *snaps,
			size_t n, uint64_t epoch);

/* Was thread tid's last epoll wait, at the last fold, on an instance that
 * another live thread of pid also last waited on? False when either is not
 * in the snapshot (readiness off, a thread not seen yet). */

/* Records from the ring buffer. Each counts in the process's summary; the
 * herd one returns whether its line should be printed (at most
 * LW_RD_HERD_LINES per process and interval). */
bool lw_rd_on_herd(struct lw_readiness *r, struct lw_model *m, const struct lw_herd_event *e);
void lw_rd_on_hot(struct lw_readiness *r, struct lw_model *m, const struct lw_hot_event *e);
/* False (not counted, not watched for starvation, not to be printed) for a
 * process whose threads are not loops (lw_proc_loops()). */
bool lw_rd_on_undrained(struct lw_readiness *r, struct lw_model *m,
			const struct lw_undrained_event *e);

/* Undrained sockets still to watch: the caller polls at lw_rd_check_ms(). */
bool lw_rd_watching(const struct lw_readiness *r);
unsigned int lw_rd_check_ms(const struct lw_readiness *r);
/* Look at every watched socket at now (CLOCK_MONOTONIC ns): those whose
 * bytes have lain unread with no new edge for starve_ms are written to out
 * (at most max) and counted; drained or closed ones are let go. Returns how
 * many were written. */
size_t lw_rd_check_starved(struct lw_readiness *r, struct lw_model *m, uint64_t now,
			   lw_rd_sock_fn fn, void *ctx, struct lw_starved *out, size_t max);

void lw_rd_end_interval(struct lw_readiness *r);
/* The readiness map as last folded, sorted by tid (n of them). */
const struct lw_rd_snap *lw_rd_threads(const struct lw_readiness *r, size_t *n);


#endif

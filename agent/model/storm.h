/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Retry storms (DESIGN.md "Retry storm"): connection attempts to one remote
 * address:port told apart as a storm, clients retrying in step, or as
 * retries that have jitter. Per interval and remote: the peak number of
 * attempts in any 20 ms window against the distinct clients (connecting
 * threads) that attempted; with no jitter the peak is about all of them,
 * with full jitter a small share. Each client's spacing says how it backs
 * off: exact doubling with no spread is exponential backoff without jitter.
 * Counts come from the probes' map (exact); timing from the attempt records
 * (bounded per interval). Plain C, unit-tested on synthetic sequences.
 */
#ifndef LOOPWATCH_STORM_H
#define LOOPWATCH_STORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "connect.h"
#include "model/model.h"

#define LW_STORM_WINDOW_NS 20000000ull
/* Attempt records kept per interval (the probes send at most as many). */
#define LW_STORM_MAX_ATTEMPTS LW_CN_EVENTS_PER_INTERVAL
/* Clients whose last attempt is older than this are forgotten. */
#define LW_STORM_CLIENT_TTL_NS 30000000000ull
#define LW_STORM_MAX_CLIENTS 8192

struct lw_storm_cfg {
	double sync_ratio;		/* peak_20ms / clients at or above ... */
	unsigned int min_clients;	/* ... with at least this many clients */
};

/* One entry of lw_cn_remotes (running totals). */
struct lw_cn_snap {
	struct lw_cn_key key;
	struct lw_cn_counts c;
};
_Static_assert(sizeof(struct lw_cn_snap) == sizeof(struct lw_cn_key) + sizeof(struct lw_cn_counts),
	       "lw_cn_snap: value right after key");

struct lw_storm_attempt {
	uint64_t ts_ns, sk;
	uint32_t pid, tid;
	uint16_t family, port;
	uint8_t addr[16];
	char comm[LW_COMM_LEN];
};

enum lw_backoff {
	LW_BACKOFF_UNKNOWN = 0,		/* too few spacings to tell */
	LW_BACKOFF_EXPONENTIAL,		/* each wait twice the last, no spread */
	LW_BACKOFF_CONSTANT,		/* the same wait each time, no spread */
	LW_BACKOFF_JITTERED,		/* neither: spread */
};

/* One retry_storm line. */
struct lw_storm {
	uint32_t pid;			/* the process with the most attempts */
	char comm[LW_COMM_LEN];
	char remote[64];		/* "127.0.0.1:8080", "[::1]:8080" */
	uint64_t attempts, failures, syn_retrans;	/* this interval, all processes */
	uint32_t peak_20ms, clients, processes, sockets;
	double synchrony;		/* peak_20ms / clients, at most 1 */
	enum lw_backoff backoff;
};

struct lw_storm_client {
	uint32_t pid, tid;
	uint16_t family, port;
	uint8_t addr[16];
	uint64_t last_ts, last_gap;
};

struct lw_storm_state {
	struct lw_storm_attempt *att;	/* this interval's */
	size_t natt, att_cap;
	uint64_t att_dropped;		/* past LW_STORM_MAX_ATTEMPTS */
	struct lw_cn_snap *prev;	/* last interval's totals, sorted */
	size_t nprev;
	struct lw_storm_client *clients;	/* sorted */
	size_t nclients;
	struct lw_storm *out;		/* this interval's storms */
	size_t nout;
};

void lw_storm_free(struct lw_storm_state *st);
/* One attempt record; -ENOMEM (or past the bound) drops it. */
int lw_storm_add(struct lw_storm_state *st, const struct lw_cn_event *e);
/*
 * Close the interval: the map's totals (st takes the malloc()ed array), the
 * attempts recorded, into st->out (valid until the next call); every
 * process that took part in a storm gets iv.retry_storm (its synchrony).
 * Returns 0 or -ENOMEM.
 */
int lw_storm_interval(struct lw_storm_state *st, struct lw_model *m, struct lw_cn_snap *snaps,
		      size_t n, const struct lw_storm_cfg *cfg);
const char *lw_backoff_name(enum lw_backoff b);
/* "addr:port", IPv6 in brackets. */
void lw_cn_remote_str(uint16_t family, const uint8_t addr[16], uint16_t port, char *out,
		      size_t len);

#endif

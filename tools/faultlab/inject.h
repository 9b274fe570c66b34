// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injectors for the stall scenario. Each one makes the calling loop
 * thread busy for about the requested time in one specific way, so that
 * loopwatch's split of a stall into cpu / runqueue / blocked (and the
 * blocking syscall) can be checked against a known answer.
 */
#ifndef FAULTLAB_INJECT_H
#define FAULTLAB_INJECT_H

#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dns_responder.h"
#include "hog.h"
#include "waiter.h"

enum fl_cause {
	FL_CAUSE_CPU,
	FL_CAUSE_SLEEP,
	FL_CAUSE_FSYNC,
	FL_CAUSE_DNS,
	FL_CAUSE_RUNQUEUE,
	FL_CAUSE_LOCK,
	FL_CAUSE_NONE,		/* healthy: never injects */
	/* nested: a private loop, not a --cause of its own (after NONE, so
	 * fl_cause_parse never accepts it) */
	FL_CAUSE_NESTED,
};

const char *fl_cause_name(enum fl_cause c);
int fl_cause_parse(const char *s, enum fl_cause *out);

struct fl_injector {
	enum fl_cause cause;
	int64_t len_ns;
	int idx;
	/* runqueue */
	int cpu;
	struct fl_hog hog;
	/* dns */
	struct fl_dns dns;
	struct __res_state res;
	bool res_ready;
	/* lock: a holder thread (fl-holder) keeps the mutex for L ms */
	pthread_mutex_t mu;
	sem_t go;
	pthread_t holder;
	atomic_int held;
	atomic_bool holder_stop;
	bool holder_started;
	/* nested: the wait kind of the private loop */
	enum fl_wait_kind private_kind;
	/* fsync */
	int file_fd;
	char path[64];
	void *buf;
	long rounds;		/* fsync rounds / lookups / private wake-ups, total */
	long errors;
};

/* Main thread, before the loop thread exists. Calls fl_fail on error. */
int fl_injector_prepare(struct fl_injector *inj, enum fl_cause c,
			double ms, int idx);
/* In the loop thread, once, before the first fire. */
int fl_injector_attach(struct fl_injector *inj);
/* In the loop thread: inject one fault; returns its measured length in ms. */
double fl_injector_fire(struct fl_injector *inj);
/* In the loop thread, at its end. */
void fl_injector_detach(struct fl_injector *inj);
/* Main thread, after fl_request_stop() and joining the loop thread. */
void fl_injector_release(struct fl_injector *inj);

#endif

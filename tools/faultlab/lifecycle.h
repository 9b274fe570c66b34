// SPDX-License-Identifier: GPL-2.0
/*
 * Process lifecycle shared by all scenarios: the stop flag every thread
 * polls, fatal-error reporting from any thread, signal handling, and the
 * supervisor that bounds every run in time.
 *
 * Model: the main thread blocks SIGINT/SIGTERM before creating any thread
 * (so every thread inherits the mask) and is the only one that receives
 * them, synchronously, in fl_supervise(). Worker threads never see a
 * signal; they only check fl_stop between bounded waits.
 */
#ifndef FAULTLAB_LIFECYCLE_H
#define FAULTLAB_LIFECYCLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

extern atomic_int fl_stop_flag;
extern atomic_int fl_failed_flag;

static inline bool fl_stopping(void)
{
	return atomic_load_explicit(&fl_stop_flag, memory_order_relaxed);
}

static inline void fl_request_stop(void)
{
	atomic_store(&fl_stop_flag, 1);
}

/* Print "faultlab: <msg>" on stderr, mark the run failed, stop everyone. */
void fl_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, appending ": strerror(errno)". */
void fl_fail_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

bool fl_failed(void);

void fl_signals_init(void);
/* For forked worker processes: turn SIGINT/SIGTERM into fl_stop. */
void fl_signals_child(void);

/*
 * Wait until *running drops to zero, the monotonic deadline passes, or
 * SIGINT/SIGTERM arrives; then set fl_stop. Returns the signal number or 0.
 */
int fl_supervise(int64_t deadline_ns, atomic_int *running);

pid_t fl_gettid(void);
void fl_name_thread(const char *name);

/*
 * Start gate: the main thread waits until every loop thread has finished
 * its setup, prints "ready", then opens the gate with a common time zero.
 */
struct fl_gate {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int arrived;
	bool open;
	int64_t t0;
};

void fl_gate_init(struct fl_gate *g);
void fl_gate_arrive(struct fl_gate *g);
/* Returns false if the run was stopped before everyone arrived. */
bool fl_gate_wait_all(struct fl_gate *g, int n, int64_t timeout_ns);
void fl_gate_open(struct fl_gate *g);
/* Returns t0, or -1 if the run stopped before the gate opened. */
int64_t fl_gate_pass(struct fl_gate *g);

#endif

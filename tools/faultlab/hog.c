// SPDX-License-Identifier: GPL-2.0
/*
 * SCHED_FIFO hog thread for runqueue stalls (see hog.h).
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "hog.h"
#include "lifecycle.h"

/*
 * eventfd counters add up: a kick adds 1, stop adds this. Any read value at
 * or above it means "exit", even if a kick was pending at the same time.
 */
#define HOG_QUIT (1ULL << 32)

static void *hog_main(void *arg)
{
	struct fl_hog *h = arg;

	fl_name_thread("fl-hog");
	__atomic_store_n(&h->tid, fl_gettid(), __ATOMIC_RELEASE);
	for (;;) {
		uint64_t v;
		ssize_t r;

		/* Blocking read: the hog is asleep, not polling, between kicks. */
		r = read(h->efd, &v, sizeof(v));
		if (r < 0 && errno == EINTR)
			continue;
		if (r != sizeof(v) || v >= HOG_QUIT)
			break;
		fl_spin_until_ns(fl_now_ns() + h->spin_ns);
		h->runs++;
	}
	return NULL;
}

int fl_hog_start(struct fl_hog *h, int cpu, int64_t spin_ns)
{
	struct sched_param sp = { .sched_priority = FL_HOG_PRIO };
	pthread_attr_t attr;
	cpu_set_t set;
	int err;

	h->started = false;
	h->cpu = cpu;
	h->spin_ns = spin_ns;
	h->tid = 0;
	h->runs = 0;
	h->efd = eventfd(0, EFD_CLOEXEC);
	if (h->efd < 0)
		return -1;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	/*
	 * Set the policy through the attributes so that pthread_create itself
	 * fails with EPERM when real-time scheduling is not allowed, instead
	 * of a hog silently running as SCHED_OTHER.
	 */
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &sp);
	err = pthread_create(&h->thread, &attr, hog_main, h);
	pthread_attr_destroy(&attr);
	if (err) {
		close(h->efd);
		h->efd = -1;
		errno = err;
		return -1;
	}
	h->started = true;
	while (!__atomic_load_n(&h->tid, __ATOMIC_ACQUIRE))
		fl_sleep_ns(FL_NS_PER_MS);
	return 0;
}

int fl_hog_kick(struct fl_hog *h)
{
	uint64_t one = 1;

	return write(h->efd, &one, sizeof(one)) == sizeof(one) ? 0 : -1;
}

void fl_hog_stop(struct fl_hog *h)
{
	uint64_t quit = HOG_QUIT;

	if (!h->started)
		return;
	if (write(h->efd, &quit, sizeof(quit)) != sizeof(quit))
		pthread_cancel(h->thread);	/* cannot happen; never hang */
	pthread_join(h->thread, NULL);
	close(h->efd);
	h->started = false;
}

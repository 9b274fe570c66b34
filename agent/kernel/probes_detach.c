// SPDX-License-Identifier: GPL-2.0
#include <pthread.h>
#include <stdbool.h>
#include <bpf/libbpf.h>
#include "kernel/probes_detach.h"

/*
 * Closing a tracepoint link waits for an RCU grace period in the kernel,
 * 30 to 40 ms on these hosts: a few dozen links closed one after another take
 * longer than the second an operator's SIGTERM allows. Waits that overlap
 * share grace periods, so with a thread per link (up to DETACH_THREADS) they
 * all finish in about the time of the slowest one.
 */
#define DETACH_THREADS 32

struct share {
	struct bpf_link **links;
	unsigned int n, first, step;
};

static void *detach(void *arg)
{
	struct share *s = arg;

	for (unsigned int i = s->first; i < s->n; i += s->step) {
		bpf_link__destroy(s->links[i]);
		s->links[i] = NULL;
	}
	return NULL;
}

void lw_links_destroy(struct bpf_link **links, unsigned int n)
{
	struct share shares[DETACH_THREADS];
	pthread_t th[DETACH_THREADS];
	bool started[DETACH_THREADS] = { false };
	unsigned int nth = n < DETACH_THREADS ? n : DETACH_THREADS;

	for (unsigned int k = 0; k < nth; k++) {
		shares[k] = (struct share){ .links = links, .n = n, .first = k, .step = nth };
		/* thread 0's share is ours; a thread that cannot start leaves its
		 * share to us as well */
		if (k)
			started[k] = !pthread_create(&th[k], NULL, detach, &shares[k]);
	}
	for (unsigned int k = 0; k < nth; k++)
		if (!started[k])
			detach(&shares[k]);
	for (unsigned int k = 1; k < nth; k++)
		if (started[k])
			pthread_join(th[k], NULL);
}

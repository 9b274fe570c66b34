// SPDX-License-Identifier: GPL-2.0
/*
 * The stall injectors: cpu, sleep, fsync, dns, runqueue, lock, and the
 * private loop of "nested" (see inject.h).
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "inject.h"
#include "lifecycle.h"
#include "loop.h"

#define FSYNC_CHUNK	(256 * 1024)
/* CPU the loop itself burns after kicking the hog (see fl_inject_runqueue). */
#define RUNQ_LOOP_SPIN_NS (2 * FL_NS_PER_MS)
#define DNS_QNAME	"stall.faultlab.test"

static const char *const cause_names[] = {
	[FL_CAUSE_CPU] = "cpu",
	[FL_CAUSE_SLEEP] = "sleep",
	[FL_CAUSE_FSYNC] = "fsync",
	[FL_CAUSE_DNS] = "dns",
	[FL_CAUSE_RUNQUEUE] = "runqueue",
	[FL_CAUSE_LOCK] = "lock",
	[FL_CAUSE_NONE] = "none",
	[FL_CAUSE_NESTED] = "nested",
};

const char *fl_cause_name(enum fl_cause c)
{
	return cause_names[c];
}

int fl_cause_parse(const char *s, enum fl_cause *out)
{
	for (int c = 0; c < FL_CAUSE_NONE; c++) {
		if (!strcmp(s, cause_names[c])) {
			*out = c;
			return 0;
		}
	}
	return -1;
}

/* The idx-th CPU this process may run on, wrapping around. */
static int pick_cpu(int idx)
{
	cpu_set_t set;
	int n = 0, want;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || !CPU_COUNT(&set))
		return 0;
	want = idx % CPU_COUNT(&set);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &set) && n++ == want)
			return cpu;
	}
	return 0;
}

/*
 * The kernel lets real-time tasks use only sched_rt_runtime_us per second
 * (and the fair server then runs normal tasks): a hog spin longer than that
 * budget is cut short, so the runqueue stall comes out shorter than asked.
 */
static void warn_rt_budget(double ms)
{
	FILE *f = fopen("/proc/sys/kernel/sched_rt_runtime_us", "re");
	long us;

	if (!f)
		return;
	if (fscanf(f, "%ld", &us) == 1 && us >= 0 && ms * 1000 >= us)
		fprintf(stderr, "faultlab: warning: --ms %g exceeds the real-time budget (sched_rt_runtime_us=%ld); runqueue stalls will be cut near %ld ms\n",
			ms, us, us / 1000);
	fclose(f);
}

/* lock: each kick, take the mutex and keep it for the stall's length. It
 * never waits on epoll, so it is no loop thread of its own. */
static void *holder_main(void *arg)
{
	struct fl_injector *inj = arg;

	fl_name_thread("fl-holder");
	for (;;) {
		while (sem_wait(&inj->go) < 0)
			;
		if (atomic_load(&inj->holder_stop))
			break;
		pthread_mutex_lock(&inj->mu);
		atomic_store(&inj->held, 1);
		fl_sleep_until_ns(fl_now_ns() + inj->len_ns);
		pthread_mutex_unlock(&inj->mu);
	}
	return NULL;
}

int fl_injector_prepare(struct fl_injector *inj, enum fl_cause c,
			double ms, int idx)
{
	memset(inj, 0, sizeof(*inj));
	inj->cause = c;
	inj->len_ns = (int64_t)(ms * FL_NS_PER_MS);
	inj->idx = idx;
	inj->file_fd = -1;

	switch (c) {
	case FL_CAUSE_RUNQUEUE:
		warn_rt_budget(ms);
		inj->cpu = pick_cpu(idx);
		if (fl_hog_start(&inj->hog, inj->cpu, inj->len_ns) < 0) {
			fl_fail_errno("runqueue: cannot start hog thread with SCHED_FIFO priority %d on CPU %d (needs root/CAP_SYS_NICE and real-time budget)",
				      FL_HOG_PRIO, inj->cpu);
			return -1;
		}
		break;
	case FL_CAUSE_DNS:
		if (fl_dns_start(&inj->dns, inj->len_ns) < 0) {
			fl_fail_errno("dns: cannot start responder on 127.0.0.1");
			return -1;
		}
		break;
	case FL_CAUSE_LOCK:
		pthread_mutex_init(&inj->mu, NULL);
		sem_init(&inj->go, 0, 0);
		if (pthread_create(&inj->holder, NULL, holder_main, inj)) {
			fl_fail("lock: cannot start the holder thread");
			return -1;
		}
		inj->holder_started = true;
		break;
	case FL_CAUSE_FSYNC:
		/* /var/tmp, not /tmp: tmpfs makes fsync a no-op. */
		snprintf(inj->path, sizeof(inj->path),
			 "/var/tmp/faultlab.%d.%d.XXXXXX", (int)getpid(), idx);
		inj->file_fd = mkostemp(inj->path, O_CLOEXEC);
		if (inj->file_fd < 0) {
			fl_fail_errno("fsync: cannot create temp file in /var/tmp");
			inj->path[0] = '\0';
			return -1;
		}
		if (posix_memalign(&inj->buf, 4096, FSYNC_CHUNK)) {
			fl_fail("fsync: out of memory");
			return -1;
		}
		memset(inj->buf, 0x5a, FSYNC_CHUNK);
		break;
	default:
		break;
	}
	return 0;
}

int fl_injector_attach(struct fl_injector *inj)
{
	if (inj->cause == FL_CAUSE_RUNQUEUE) {
		cpu_set_t set;

		/* Share the hog's CPU, and never escape to an idle one. */
		CPU_ZERO(&set);
		CPU_SET(inj->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fl_fail_errno("runqueue: cannot pin loop thread to CPU %d",
				      inj->cpu);
			return -1;
		}
	}
	if (inj->cause == FL_CAUSE_DNS) {
		struct __res_state *rs = &inj->res;
		int retrans_s = (int)(inj->len_ns / FL_NS_PER_S) + 2;

		memset(rs, 0, sizeof(*rs));
		if (res_ninit(rs) < 0) {
			fl_fail("dns: res_ninit failed");
			return -1;
		}
		inj->res_ready = true;
		/* Only our responder: never let a stall leak to a real server. */
		rs->nsaddr_list[0].sin_family = AF_INET;
		rs->nsaddr_list[0].sin_port = htons(inj->dns.port);
		rs->nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		rs->nscount = 1;
		/* One try, with a timeout well past the injected delay. */
		rs->retrans = retrans_s;
		rs->retry = 1;
		rs->options &= ~(RES_ROTATE | RES_USEVC);
	}
	return 0;
}

/*
 * Each injection runs in a named function the compiler may neither inline
 * nor merge into its caller, so that a stack taken during the stall names
 * it (tests/e2e/test_stall_stacks.sh looks for these names).
 */
#define FL_INJECTOR __attribute__((noinline, noclone, used))

/* Mostly arithmetic between clock readings, so that a sample of the stall
 * lands in this function and not in the vDSO's clock code. */
FL_INJECTOR void fl_inject_cpu(int64_t end)
{
	volatile uint64_t x = 0;

	while (fl_now_ns() < end)
		for (int i = 0; i < 20000; i++)
			x += (uint64_t)i;
}

FL_INJECTOR void fl_inject_sleep(int64_t end)
{
	fl_sleep_until_ns(end);
	/* no tail call: the frame stays on the stack for the whole sleep */
	__asm__ volatile("" ::: "memory");
}

FL_INJECTOR void fl_inject_fsync(struct fl_injector *inj, int64_t end)
{
	do {
		ssize_t n;

		/* Rewrite the same range: dirty data every round, bounded file. */
		n = pwrite(inj->file_fd, inj->buf, FSYNC_CHUNK, 0);
		if (n != FSYNC_CHUNK || fsync(inj->file_fd) < 0) {
			if (!inj->errors++)
				perror("faultlab: fsync injection");
			break;
		}
		inj->rounds++;
	} while (fl_now_ns() < end);
}

FL_INJECTOR void fl_inject_dns(struct fl_injector *inj)
{
	unsigned char answer[NS_PACKETSZ];
	int n;

	n = res_nquery(&inj->res, DNS_QNAME, ns_c_in, ns_t_a, answer,
		       sizeof(answer));
	inj->rounds++;
	if (n < 0 && !inj->errors++)
		fprintf(stderr, "faultlab: dns: lookup of %s via 127.0.0.1:%d failed (h_errno %d)\n",
			DNS_QNAME, inj->dns.port, inj->res.res_h_errno);
}

/*
 * Kick the FIFO hog on our CPU, then burn a little CPU ourselves. The hog
 * preempts us on the way out of write(), so our CPU burn can only complete
 * after the hog's whole spin: the time in between we are runnable, queued
 * behind it. The burn is counted in thread CPU time so that it is exactly
 * the on-CPU part, however the preemption falls.
 */
FL_INJECTOR void fl_inject_runqueue(struct fl_injector *inj)
{
	int64_t cpu_end;

	if (fl_hog_kick(&inj->hog) < 0) {
		if (!inj->errors++)
			perror("faultlab: runqueue: eventfd write");
		return;
	}
	cpu_end = fl_thread_cpu_ns() + RUNQ_LOOP_SPIN_NS;
	while (fl_thread_cpu_ns() < cpu_end)
		;
}

/* The holder takes the mutex; the loop then blocks on it (a futex wait)
 * until the holder lets go, as a loop blocked on a lock held elsewhere. */
FL_INJECTOR void fl_inject_lock(struct fl_injector *inj)
{
	atomic_store(&inj->held, 0);
	sem_post(&inj->go);
	while (!atomic_load(&inj->held))
		sched_yield();
	pthread_mutex_lock(&inj->mu);
	pthread_mutex_unlock(&inj->mu);
}

/*
 * A blocking call that runs a loop of its own, as Node's spawnSync or
 * libcurl's easy interface do: a new epoll instance (or pollfd set) over a
 * new timerfd ticking at a quarter of the length, waited on until the
 * length has passed (four wake-ups), then closed. Every wait here is on an
 * instance the loop thread has never waited on before: a nested wait, part
 * of the main loop's busy window.
 */
FL_INJECTOR void fl_inject_private(struct fl_injector *inj, int64_t end)
{
	struct epoll_event ev[2];
	struct fl_waiter w;
	int tfd = -1;

	if (fl_waiter_init(&w, inj->private_kind) < 0) {
		if (!inj->errors++)
			perror("faultlab: nested: private loop");
		return;
	}
	tfd = fl_timerfd_periodic(inj->len_ns / 4 > 0 ? inj->len_ns / 4 : 1);
	if (tfd < 0 || fl_waiter_add(&w, tfd, 0) < 0) {
		if (!inj->errors++)
			perror("faultlab: nested: private timerfd");
		goto out;
	}
	for (;;) {
		int64_t left = end - fl_now_ns();
		int n;

		if (left <= 0 || fl_stopping())
			break;
		/* Ticks land on the end; the timeout is only a bound. */
		n = fl_waiter_wait(&w, ev, 2, (int)(left / FL_NS_PER_MS) + 1);
		if (n < 0) {
			if (!inj->errors++)
				perror("faultlab: nested: private wait");
			break;
		}
		if (n > 0 && fl_timerfd_drain(tfd))
			inj->rounds++;
	}
out:
	if (tfd >= 0)
		close(tfd);
	fl_waiter_close(&w);
}

double fl_injector_fire(struct fl_injector *inj)
{
	int64_t start = fl_now_ns();
	int64_t end = start + inj->len_ns;

	switch (inj->cause) {
	case FL_CAUSE_CPU:
		fl_inject_cpu(end);
		break;
	case FL_CAUSE_SLEEP:
		fl_inject_sleep(end);
		break;
	case FL_CAUSE_FSYNC:
		fl_inject_fsync(inj, end);
		break;
	case FL_CAUSE_DNS:
		fl_inject_dns(inj);
		break;
	case FL_CAUSE_RUNQUEUE:
		fl_inject_runqueue(inj);
		break;
	case FL_CAUSE_LOCK:
		fl_inject_lock(inj);
		break;
	case FL_CAUSE_NESTED:
		fl_inject_private(inj, end);
		break;
	case FL_CAUSE_NONE:
		break;
	}
	return fl_ns_to_ms(fl_now_ns() - start);
}

void fl_injector_detach(struct fl_injector *inj)
{
	if (inj->res_ready) {
		res_nclose(&inj->res);
		inj->res_ready = false;
	}
}

void fl_injector_release(struct fl_injector *inj)
{
	if (inj->cause == FL_CAUSE_RUNQUEUE)
		fl_hog_stop(&inj->hog);
	if (inj->cause == FL_CAUSE_DNS)
		fl_dns_stop(&inj->dns);
	if (inj->holder_started) {
		atomic_store(&inj->holder_stop, true);
		sem_post(&inj->go);
		pthread_join(inj->holder, NULL);
		inj->holder_started = false;
		sem_destroy(&inj->go);
		pthread_mutex_destroy(&inj->mu);
	}
	if (inj->file_fd >= 0) {
		close(inj->file_fd);
		inj->file_fd = -1;
	}
	if (inj->path[0]) {
		unlink(inj->path);
		inj->path[0] = '\0';
	}
	free(inj->buf);
	inj->buf = NULL;
}

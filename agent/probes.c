// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "log.h"
#include "probes.h"
#include "probes_detach.h"
#include "probes_ready.h"
#include "loopwatch.skel.h"

#define TRACEFS "/sys/kernel/tracing"

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum lw_log_level l = level == LIBBPF_WARN ? LW_LOG_WARN : LW_LOG_DEBUG;

	lw_vlog(l, fmt, ap);
	return 0;
}

/* Effective capability set from /proc/self/status (no libcap needed). */
static uint64_t effective_caps(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long caps = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &caps) == 1)
			break;
	fclose(f);
	return caps;
}

#define CAP_BIT(n) (1ull << (n))
#define LW_CAP_SYS_ADMIN 21
#define LW_CAP_PERFMON 38
#define LW_CAP_BPF 39

static int check_host(void)
{
	uint64_t caps = effective_caps();
	struct stat st;

	/* loading tracing programs needs CAP_BPF with CAP_PERFMON, or the
	 * CAP_SYS_ADMIN they were split from */
	if (!(caps & CAP_BIT(LW_CAP_SYS_ADMIN)) &&
	    !((caps & CAP_BIT(LW_CAP_BPF)) && (caps & CAP_BIT(LW_CAP_PERFMON)))) {
		lw_err("missing privilege: loopwatch needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run it as root");
		return -EPERM;
	}
	if (stat("/sys/kernel/btf/vmlinux", &st)) {
		lw_err("kernel lacks BTF: /sys/kernel/btf/vmlinux is missing (build the kernel with CONFIG_DEBUG_INFO_BTF=y)");
		return -ENOTSUP;
	}
	return 0;
}

/* libbpf resolves tracepoint ids through tracefs; mount it as perf and
 * bpftrace do when the host has not. */
static int ensure_tracefs(void)
{
	struct stat st;

	if (!stat(TRACEFS "/events", &st) || !stat("/sys/kernel/debug/tracing/events", &st))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		lw_err("failed to mount tracefs at " TRACEFS ": %s", strerror(errno));
		return -ENOENT;
	}
	lw_info("mounted tracefs at " TRACEFS);
	return 0;
}

static const char *tracefs_root(void)
{
	struct stat st;

	return stat(TRACEFS "/events", &st) ? "/sys/kernel/debug/tracing" : TRACEFS;
}

/* The families a program serves, by its name's prefix: the programs of
 * hooks several families share are named after the hook (loopwatch.bpf.c). */
static const struct {
	const char *prefix;
	uint32_t families;
} program_families[] = {
	{ "enter_epoll_", LW_DETECT_LOOP | LW_DETECT_READINESS },
	{ "exit_epoll_", LW_DETECT_LOOP | LW_DETECT_READINESS },
	{ "sched_switch", LW_DETECT_LOOP | LW_DETECT_READINESS },
	{ "task_exit", LW_DETECT_LOOP | LW_DETECT_READINESS },
	{ "sock_recv", LW_DETECT_READINESS | LW_DETECT_BACKPRESSURE },
	{ "sk_data_ready", LW_DETECT_READINESS | LW_DETECT_BACKPRESSURE },
	{ "sock_state", LW_DETECT_READINESS | LW_DETECT_BACKPRESSURE },
	{ "ready_", LW_DETECT_READINESS },
	{ "bp_", LW_DETECT_BACKPRESSURE },
};

static uint32_t families_of(const char *prog)
{
	for (size_t i = 0; i < sizeof(program_families) / sizeof(program_families[0]); i++)
		if (!strncmp(prog, program_families[i].prefix, strlen(program_families[i].prefix)))
			return program_families[i].families;
	return LW_DETECT_ALL;
}

/* "loop lag and stalls and backpressure detection": what a missing hook costs. */
static const char *detections_of(uint32_t families, char *buf, size_t len)
{
	static const char *const names[] = {
		"loop lag and stalls",
		"herd, hot-loop, undrained-socket and readiness-lag detection",
		"backpressure detection",
	};
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(families & (1u << i)) || used >= len)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " and " : "", names[i]);
	}
	return buf;
}

/* Leave out the programs none of whose families was asked for (--detect);
 * the shared ones leave out the parts of families that are off (lw_detect). */
static void disable_families(struct bpf_object *obj, uint32_t detect)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		if (!(families_of(bpf_program__name(prog)) & detect))
			bpf_program__set_autoload(prog, false);
}

/* Turn off programs whose hook this kernel lacks, so the rest still loads;
 * say which detection loses what. Returns the number turned off. */
static unsigned int disable_missing(struct bpf_object *obj, uint32_t detect)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct bpf_program *prog;
	unsigned int off = 0;

	bpf_object__for_each_program(prog, obj) {
		const char *sec = bpf_program__section_name(prog);
		char path[256];
		struct stat st;
		bool ok = true;

		if (!bpf_program__autoload(prog))
			continue;
		if (!strncmp(sec, "tracepoint/", 11)) {
			snprintf(path, sizeof(path), "%s/events/%s/id", tracefs_root(), sec + 11);
			ok = !stat(path, &st);
		} else if (!strncmp(sec, "tp_btf/", 7) && vmlinux) {
			snprintf(path, sizeof(path), "btf_trace_%s", sec + 7);
			ok = btf__find_by_name_kind(vmlinux, path, BTF_KIND_TYPEDEF) >= 0;
		}
		if (!ok) {
			char what[160];

			lw_warn("kernel lacks hook %s: program %s is off, so %s lack what it saw", sec,
				bpf_program__name(prog),
				detections_of(families_of(bpf_program__name(prog)) & detect, what,
					      sizeof(what)));
			bpf_program__set_autoload(prog, false);
			off++;
		}
	}
	btf__free(vmlinux);
	return off;
}

int lw_probes_start(struct lw_probes *p, const struct lw_options *o, lw_event_fn fn, void *ctx)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct bpf_program *prog;
	int err;

	memset(p, 0, sizeof(*p));
	libbpf_set_print(libbpf_print);
	err = check_host();
	if (err)
		return err;
	err = ensure_tracefs();
	if (err)
		return err;
	/* Kernels since 5.11 charge BPF memory to the cgroup; failing to raise
	 * the memlock limit only matters on older ones. */
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		lw_debug("could not raise RLIMIT_MEMLOCK: %s", strerror(errno));

	p->skel = loopwatch_bpf__open();
	if (!p->skel) {
		lw_err("failed to open BPF object: %s", strerror(errno));
		return -errno;
	}
	p->skel->rodata->lw_filter_pids = o->npids > 0;
	if (o->comm[0]) {
		p->skel->rodata->lw_filter_comm = true;
		memcpy((char *)p->skel->rodata->lw_comm, o->comm, sizeof(o->comm));
	}
	p->skel->data->lw_stall_ns = (uint64_t)o->stall_ms * 1000000ull;
	p->skel->rodata->lw_detect = o->detect;
	p->skel->rodata->lw_self_pid = (uint32_t)getpid();
	bpf_map__set_max_entries(p->skel->maps.lw_threads, o->max_threads);
	lw_probes_ready_config(p, o);
	/* first, so that a hook missing only for families not asked for goes unsaid */
	disable_families(p->skel->obj, o->detect);
	p->skipped = disable_missing(p->skel->obj, o->detect);

	err = loopwatch_bpf__load(p->skel);
	if (err) {
		lw_err("failed to load BPF programs: %s", strerror(-err));
		goto fail;
	}
	for (unsigned int i = 0; i < o->npids; i++) {
		uint8_t one = 1;

		bpf_map__update_elem(p->skel->maps.lw_pid_filter, &o->pids[i], sizeof(o->pids[i]),
				     &one, sizeof(one), BPF_ANY);
	}
	bpf_object__for_each_program(prog, p->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		/* iterators run on demand; their owners make their links */
		if (bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER)
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			lw_warn("failed to attach %s (%s): %s", bpf_program__name(prog),
				bpf_program__section_name(prog), strerror(-err));
			p->skipped++;
			continue;
		}
		if (p->attached == LW_MAX_LINKS) {
			bpf_link__destroy(link);
			lw_err("more programs than links: raise LW_MAX_LINKS");
			err = -E2BIG;
			goto fail;
		}
		p->links[p->attached++] = link;
	}
	if (!p->attached) {
		lw_err("no probe could attach: the kernel lacks the epoll and scheduler tracepoints");
		err = -ENOTSUP;
		goto fail;
	}
	/* after attaching, so nothing registered meanwhile is missed */
	if (o->detect & LW_DETECT_READINESS)
		lw_probes_ready_seed(p, o);
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.lw_events), fn, ctx, NULL);
	if (!p->rb) {
		err = -errno;
		lw_err("failed to create ring buffer: %s", strerror(-err));
		goto fail;
	}
	return 0;
fail:
	lw_probes_stop(p);
	return err;
}

void lw_probes_stop(struct lw_probes *p)
{
	ring_buffer__free(p->rb);
	bpf_link__destroy(p->bp_sweep);
	p->bp_sweep = NULL;
	lw_links_destroy(p->links, p->attached);
	p->attached = 0;
	loopwatch_bpf__destroy(p->skel);
	p->rb = NULL;
	p->skel = NULL;
}

int lw_probes_ring_fd(const struct lw_probes *p)
{
	return ring_buffer__epoll_fd(p->rb);
}

int lw_probes_poll(struct lw_probes *p)
{
	return ring_buffer__consume(p->rb);
}

uint64_t lw_probes_next_epoch(struct lw_probes *p)
{
	uint64_t old = p->skel->bss->lw_epoch;

	__atomic_store_n(&p->skel->bss->lw_epoch, old + 1, __ATOMIC_RELEASE);
	return old;
}

void lw_probes_set_stall_ms(struct lw_probes *p, unsigned int ms)
{
	p->skel->data->lw_stall_ns = (uint64_t)ms * 1000000ull;
}

int lw_probes_walk_tids(int fd, size_t limit, size_t rec_size, size_t val_off,
			bool (*exited)(const void *val), void **out, size_t *n)
{
	size_t cap = 64, cnt = 0;
	char *s = malloc(cap * rec_size);
	uint32_t key, next, *prev = NULL;

	if (!s)
		return -ENOMEM;
	/* Entries vanish while we walk (threads exit, LRU eviction): a failed
	 * lookup is skipped, the walk goes on from the key we hold, and it is
	 * bounded by the map's size. */
	while (cnt < limit && bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (cnt == cap) {
			char *ns = realloc(s, 2 * cap * rec_size);

			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
			cap *= 2;
		}
		if (bpf_map_lookup_elem(fd, &next, s + cnt * rec_size + val_off) == 0) {
			memcpy(s + cnt * rec_size, &next, sizeof(next));
			cnt++;
		}
		key = next;
		prev = &key;
	}
	/* exited threads have been read for the last time */
	for (size_t i = 0; i < cnt; i++)
		if (exited(s + i * rec_size + val_off))
			bpf_map_delete_elem(fd, s + i * rec_size);
	*out = s;
	*n = cnt;
	return 0;
}

static bool thread_exited(const void *val)
{
	return ((const struct lw_thread *)val)->exited;
}

int lw_probes_read_threads(struct lw_probes *p, struct lw_thread_snap **out, size_t *n)
{
	void *snaps;
	int err = lw_probes_walk_tids(bpf_map__fd(p->skel->maps.lw_threads),
				      bpf_map__max_entries(p->skel->maps.lw_threads), sizeof(**out),
				      offsetof(struct lw_thread_snap, t), thread_exited, &snaps, n);

	if (!err)
		*out = snaps;
	return err;
}

uint64_t lw_probes_stat(struct lw_probes *p, unsigned int idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum = 0;

	if (ncpu <= 0)
		return 0;
	uint64_t vals[ncpu];

	memset(vals, 0, sizeof(vals));
	if (bpf_map_lookup_elem(bpf_map__fd(p->skel->maps.lw_stats), &idx, vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

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
#include "util/log.h"
#include "kernel/probes.h"
#include "kernel/probes_detach.h"
#include "kernel/probes_kernel.h"
#include "kernel/probes_tidmap.h"
#include "kernel/probes_tpevent.h"
#include "kernel/probes_stacks.h"
#include "loopwatch.skel.h"

#define TRACEFS "/sys/kernel/tracing"

/*
 * libbpf's messages. While the loader tries programs, a refusal is expected
 * and handled: its messages go to the debug log, and the name of the program
 * or map it concerns and the verifier's last words are kept for one line.
 */
static struct {
	bool trying;
	char prog[64];
	char map[64];
	char why[LW_WHY_LEN];
} refusal;

/* The verifier's conclusion: the last line of its log that is not a count. */
static void keep_verifier_reason(const char *msg)
{
	const char *end = strstr(msg, "-- END PROG LOAD LOG --");
	const char *line_end, *line;

	if (!end)
		return;
	line_end = end;
	while (line_end > msg) {
		while (line_end > msg && line_end[-1] == '\n')
			line_end--;
		line = line_end;
		while (line > msg && line[-1] != '\n')
			line--;
		if (line_end > line && strncmp(line, "processed ", 10) &&
		    strncmp(line, "verification time", 17) && strncmp(line, "stack depth", 11)) {
			snprintf(refusal.why, sizeof(refusal.why), "%.*s", (int)(line_end - line), line);
			return;
		}
		line_end = line;
	}
}

static void keep_refusal(const char *msg)
{
	const char *q;

	if (!strncmp(msg, "libbpf: ", 8))
		msg += 8;
	if (!strncmp(msg, "prog '", 6) && (q = strchr(msg + 6, '\''))) {
		snprintf(refusal.prog, sizeof(refusal.prog), "%.*s", (int)(q - msg - 6), msg + 6);
		if (strstr(msg, "-- BEGIN PROG LOAD LOG --"))
			keep_verifier_reason(msg);
		else if (!strstr(msg, "failed to load") && !refusal.why[0])
			snprintf(refusal.why, sizeof(refusal.why), "%s", q + 3);
	} else if (!strncmp(msg, "map '", 5) && (q = strchr(msg + 5, '\'')) &&
		   strstr(msg, "failed to create")) {
		snprintf(refusal.map, sizeof(refusal.map), "%.*s", (int)(q - msg - 5), msg + 5);
		snprintf(refusal.why, sizeof(refusal.why), "%s", q + 3);
	}
	refusal.why[strcspn(refusal.why, "\n")] = '\0';
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	enum lw_log_level l = level == LIBBPF_WARN && !refusal.trying ? LW_LOG_WARN : LW_LOG_DEBUG;
	va_list copy;

	/* whole, however long: a verifier log's conclusion is at its end */
	if (refusal.trying && level == LIBBPF_WARN) {
		char *msg = NULL;

		va_copy(copy, ap);
		if (vasprintf(&msg, fmt, copy) >= 0) {
			keep_refusal(msg);
			free(msg);
		}
		va_end(copy);
	}
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

#define F_LOOP LW_DETECT_LOOP
#define F_RD LW_DETECT_READINESS
#define F_BP LW_DETECT_BACKPRESSURE
#define F_STK LW_DETECT_STACKS

/*
 * Programs and maps are named by their skeleton members, so the compiler
 * checks every name the tables hold; each open of the object resolves them.
 */
#define PROG(name) offsetof(struct loopwatch_bpf, progs.name)
#define MAP(name) offsetof(struct loopwatch_bpf, maps.name)

/* A hook loop lag shares with readiness runs one of two programs: the one
 * with readiness, or the one with loop lag alone (bpf/loopwatch.bpf.c says
 * why). Every other hook's programs have no lag variant. */
struct hook_prog {
	size_t prog, lag;
};

#define ONE(name) { PROG(name), 0 }
#define TWO(name, lag) { PROG(name), PROG(lag) }

/*
 * The logical hooks and the programs that can serve each, in the order they
 * are tried. A program of an alternative whose hook this kernel lacks is
 * left out, as long as the first one's is there (epoll_pwait2 is 5.11).
 */
struct hook_alt {
	const char *path;
	struct hook_prog progs[9];
};

static const struct {
	uint32_t families;	/* whose code the programs run */
	struct hook_alt alts[3];
} hook_defs[LW_HK_MAX] = {
	[LW_HK_WAIT] = { F_LOOP | F_RD, {
		{ "fentry", { TWO(fentry_epoll_wait, lag_fentry_epoll_wait),
			      TWO(fexit_epoll_wait, lag_fexit_epoll_wait) } },
		{ "kprobe", { TWO(kprobe_epoll_wait, lag_kprobe_epoll_wait),
			      TWO(kretprobe_epoll_wait, lag_kretprobe_epoll_wait) } },
		{ "tracepoint", { TWO(enter_epoll_wait, lag_enter_epoll_wait),
				  TWO(exit_epoll_wait, lag_exit_epoll_wait),
				  TWO(enter_epoll_pwait, lag_enter_epoll_pwait),
				  TWO(exit_epoll_pwait, lag_exit_epoll_pwait),
				  TWO(enter_epoll_pwait2, lag_enter_epoll_pwait2),
				  TWO(exit_epoll_pwait2, lag_exit_epoll_pwait2) } } } },
	[LW_HK_CTL] = { F_RD, {
		{ "fentry", { ONE(ready_fexit_epoll_ctl) } },
		{ "tracepoint", { ONE(ready_enter_epoll_ctl), ONE(ready_exit_epoll_ctl) } } } },
	[LW_HK_ACCEPT] = { F_RD, {
		{ "fentry", { ONE(ready_fexit_accept4) } },
		{ "tracepoint", { ONE(ready_enter_accept4), ONE(ready_exit_accept4),
				  ONE(ready_enter_accept), ONE(ready_exit_accept) } } } },
	[LW_HK_SWITCH] = { F_LOOP | F_RD, { { "tp_btf", { TWO(sched_switch, lag_sched_switch) } } } },
	[LW_HK_EXIT] = { F_LOOP | F_RD, { { "tp_btf", { TWO(task_exit, lag_task_exit) } } } },
	[LW_HK_WAKING] = { F_RD, { { "tp_btf", { ONE(ready_waking) } } } },
	[LW_HK_DATA_READY] = { F_RD | F_BP, {
		{ "tp_btf", { ONE(sk_data_ready) } },
		{ "fentry", { ONE(fentry_sock_def_readable) } } } },
	[LW_HK_RECV] = { F_RD | F_BP, {
		{ "tp_btf", { ONE(sock_recv_length) } },
		{ "fentry", { ONE(fexit_sock_recvmsg) } } } },
	[LW_HK_SEND] = { F_BP, {
		{ "tp_btf", { ONE(bp_send_length) } },
		{ "fentry", { ONE(bp_fexit_sendmsg) } } } },
	[LW_HK_SENDMSG] = { F_BP, {
		{ "tp_btf", { ONE(bp_sendmsg) } },
		{ "fentry", { ONE(bp_fentry_sendmsg) } } } },
	[LW_HK_SOCK_STATE] = { F_RD | F_BP, { { "tp_btf", { ONE(sock_state) } } } },
	[LW_HK_KFREE] = { F_BP, { { "tp_btf", { ONE(bp_kfree_skb) } } } },
	[LW_HK_RETRANS] = { F_BP, { { "tp_btf", { ONE(bp_retransmit) } } } },
	[LW_HK_SYNACK] = { F_BP, { { "tp_btf", { ONE(bp_retransmit_synack) } } } },
	[LW_HK_EXCEED] = { F_BP, { { "tp_btf", { ONE(bp_exceed_buf) } } } },
	[LW_HK_SWEEP] = { F_BP, { { "iter", { ONE(bp_sweep), ONE(bp_sweep_tcp), ONE(bp_sweep_udp) } } } },
	/* their own programs: a kernel that refuses them costs only stacks */
	[LW_HK_STACKS] = { F_STK, { { "tp_btf", { ONE(stk_sched_switch) } } } },
	[LW_HK_SAMPLE] = { F_STK, { { "perf_event", { ONE(stk_sample) } } } },
	[LW_HK_WAIT_POLL] = { F_LOOP, {
		{ "fentry", { ONE(fentry_poll), ONE(fexit_poll), ONE(fentry_ppoll), ONE(fexit_ppoll),
			      ONE(fentry_select), ONE(fexit_select), ONE(fentry_pselect6),
			      ONE(fexit_pselect6) } },
		{ "kprobe", { ONE(kprobe_poll), ONE(kretprobe_poll), ONE(kprobe_ppoll),
			      ONE(kretprobe_ppoll), ONE(kprobe_select), ONE(kretprobe_select),
			      ONE(kprobe_pselect6), ONE(kretprobe_pselect6) } },
		{ "tracepoint", { ONE(enter_poll), ONE(exit_poll), ONE(enter_ppoll), ONE(exit_ppoll),
				  ONE(enter_select), ONE(exit_select), ONE(enter_pselect6),
				  ONE(exit_pselect6) } } } },
	[LW_HK_WAIT_URING] = { F_LOOP, {
		{ "fentry", { ONE(fentry_io_uring), ONE(fexit_io_uring) } },
		{ "kprobe", { ONE(kprobe_io_uring), ONE(kretprobe_io_uring) } },
		{ "tracepoint", { ONE(enter_io_uring), ONE(exit_io_uring) } } } },
};

/* The family each map serves: a map the kernel cannot create turns off its
 * family, and loop lag's (like the object's globals) stops the agent. */
static const struct {
	size_t map;
	uint32_t family;
} map_defs[] = {
	{ MAP(lw_threads), F_LOOP },
	{ MAP(lw_busy), F_LOOP },
	{ MAP(lw_pid_filter), F_LOOP },
	{ MAP(lw_events), F_LOOP },
	{ MAP(lw_stats), F_LOOP },
	{ MAP(ready_threads), F_RD },
	{ MAP(ready_regs), F_RD },
	{ MAP(ready_socks), F_RD },
	{ MAP(ready_cur), F_RD },
	{ MAP(ready_epevs), F_RD },
	{ MAP(ready_ctl), F_RD },
	{ MAP(ready_recv_wanted), F_RD },
	{ MAP(lw_bp_socks), F_BP },
	{ MAP(lw_bp_procs), F_BP },
	{ MAP(lw_bp_remotes), F_BP },
	{ MAP(lw_bp_swept), F_BP },
	{ MAP(lw_cn_remotes), F_BP },
	{ MAP(lw_cn_ports), F_BP },
	{ MAP(lw_stk_threads), F_STK },
	{ MAP(lw_stk_events), F_STK },
};

static struct bpf_program *skel_prog(const struct loopwatch_bpf *skel, size_t member)
{
	return *(struct bpf_program *const *)((const char *)skel + member);
}

static struct bpf_map *skel_map(const struct loopwatch_bpf *skel, size_t member)
{
	return *(struct bpf_map *const *)((const char *)skel + member);
}

/* Where each hook stands while the loader tries: the alternatives still to
 * try, in order, and the one being tried. */
struct hook_try {
	int order[3];
	int n, cur;
};

struct plan {
	struct hook_try hk[LW_HK_MAX];
	uint32_t families;
	char family_why[LW_FAMILIES][LW_WHY_LEN];
};

static int alt_index(enum lw_hook_id h, const char *path)
{
	for (int i = 0; i < 3 && hook_defs[h].alts[i].path; i++)
		if (!strcmp(hook_defs[h].alts[i].path, path))
			return i;
	return -1;
}

/* --hooks chooses the epoll wait path; epoll_ctl and accept follow fentry
 * when it is allowed, since any system call tracepoint slows every call.
 * The other waits try fentry, then kprobes, then their tracepoints (which
 * plan_apply takes only where the epoll waits are not on fentry). */
static void plan_order(struct plan *pl, enum lw_hooks hooks)
{
	static const char *const forced[] = {
		[LW_HOOKS_FENTRY] = "fentry",
		[LW_HOOKS_KPROBE] = "kprobe",
		[LW_HOOKS_TRACEPOINT] = "tracepoint",
	};

	for (int h = 0; h < LW_HK_MAX; h++) {
		struct hook_try *t = &pl->hk[h];

		t->n = t->cur = 0;
		if (h == LW_HK_WAIT && hooks != LW_HOOKS_AUTO) {
			t->order[t->n++] = alt_index(h, forced[hooks]);
		} else if (h == LW_HK_WAIT || h == LW_HK_CTL || h == LW_HK_ACCEPT) {
			if (hooks == LW_HOOKS_AUTO || hooks == LW_HOOKS_FENTRY)
				t->order[t->n++] = alt_index(h, "fentry");
			t->order[t->n++] = alt_index(h, "tracepoint");
		} else {
			for (int i = 0; i < 3 && hook_defs[h].alts[i].path; i++)
				t->order[t->n++] = i;
		}
	}
}

static const struct hook_alt *cur_alt(const struct plan *pl, enum lw_hook_id h)
{
	const struct hook_try *t = &pl->hk[h];

	return t->cur < t->n ? &hook_defs[h].alts[t->order[t->cur]] : NULL;
}

/* The program this plan runs for hp: with readiness off, the variant
 * with loop lag alone where there is one. */
static struct bpf_program *plan_prog(const struct lw_probes *p, const struct plan *pl,
				     const struct hook_prog *hp)
{
	return skel_prog(p->skel, hp->lag && !(pl->families & F_RD) ? hp->lag : hp->prog);
}

/* Families the kernel cannot run at all, whatever the hooks. */
static void plan_families(struct plan *pl, const struct lw_kernel *k, uint32_t detect)
{
	pl->families = detect | F_LOOP;
	if (!(detect & F_STK))
		snprintf(pl->family_why[3], LW_WHY_LEN, "turned off (--no-stacks)");
	if ((pl->families & F_RD) && (!k->helper_loop || !k->task_storage || !k->helper_task_btf)) {
		pl->families &= ~F_RD;
		snprintf(pl->family_why[1], LW_WHY_LEN, "the kernel lacks %s",
			 !k->helper_loop ? "bpf_loop (5.17)" :
			 !k->task_storage ? "task storage (5.11)" : "bpf_get_current_task_btf (5.11)");
	}
	if ((pl->families & F_BP) && !k->helper_task_btf) {
		pl->families &= ~F_BP;
		snprintf(pl->family_why[2], LW_WHY_LEN,
			 "the kernel lacks bpf_get_current_task_btf (5.11)");
	}
}

/* A hook no alternative is left for: off, with the reason. */
static void hook_off(struct lw_probes *p, struct plan *pl, enum lw_hook_id h, const char *why)
{
	pl->hk[h].cur = pl->hk[h].n;
	if (!p->hooks[h].why[0])
		snprintf(p->hooks[h].why, sizeof(p->hooks[h].why), "%s", why);
}

/* The other waits' tracepoints put every system call of the host on the
 * tracing slow path, which the epoll waits on fentry do not: there, such a
 * wait kind goes unseen rather than cost every call. (plan_apply chooses
 * the epoll waits' path first: LW_HK_WAIT is hook 0.) */
static bool tracepoint_too_dear(const struct lw_probes *p, enum lw_hook_id h,
				const struct hook_alt *alt)
{
	const char *wait = p->hooks[LW_HK_WAIT].path;

	return (h == LW_HK_WAIT_POLL || h == LW_HK_WAIT_URING) && !strcmp(alt->path, "tracepoint") &&
	       wait && !strcmp(wait, "fentry");
}

/* Choose this attempt's programs: autoload exactly those of each wanted
 * hook's current alternative whose hook the kernel has. */
static void plan_apply(struct lw_probes *p, struct plan *pl, const struct lw_kernel *k)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, p->skel->obj)
		bpf_program__set_autoload(prog, false);
	for (int h = 0; h < LW_HK_MAX; h++) {
		const struct hook_alt *alt;
		char why[LW_WHY_LEN];

		if (!(hook_defs[h].families & pl->families))
			continue;
		while ((alt = cur_alt(pl, h))) {
			if (tracepoint_too_dear(p, h, alt)) {
				hook_off(p, pl, h, "its fentry and kprobe programs refused; its system "
					 "call tracepoints would slow every system call of the host, "
					 "which the epoll waits on fentry spare");
				alt = NULL;
				break;
			}
			prog = plan_prog(p, pl, &alt->progs[0]);
			if (lw_kernel_has_hook(k, bpf_program__section_name(prog), why, sizeof(why)))
				break;
			if (!p->hooks[h].why[0] || pl->hk[h].cur == 0)
				snprintf(p->hooks[h].why, sizeof(p->hooks[h].why), "%s", why);
			pl->hk[h].cur++;
		}
		if (!alt)
			continue;
		for (int i = 0; alt->progs[i].prog; i++) {
			prog = plan_prog(p, pl, &alt->progs[i]);
			if (lw_kernel_has_hook(k, bpf_program__section_name(prog), why, sizeof(why)))
				bpf_program__set_autoload(prog, true);
		}
		p->hooks[h].path = alt->path;
	}
}

/* Which hook's current alternative has this program? */
static int hook_of(const struct lw_probes *p, const struct plan *pl, const char *name)
{
	for (int h = 0; h < LW_HK_MAX; h++) {
		const struct hook_alt *alt = cur_alt(pl, h);

		for (int i = 0; alt && alt->progs[i].prog; i++)
			if (!strcmp(bpf_program__name(plan_prog(p, pl, &alt->progs[i])), name))
				return h;
	}
	return -1;
}

/* The family a map serves; the object's globals serve every family. */
static uint32_t map_family(const struct lw_probes *p, const char *name)
{
	for (size_t i = 0; i < sizeof(map_defs) / sizeof(map_defs[0]); i++)
		if (!strcmp(bpf_map__name(skel_map(p->skel, map_defs[i].map)), name))
			return map_defs[i].family;
	return F_LOOP;
}

static const char *const family_names[LW_FAMILIES] = { "loop lag", "readiness", "backpressure",
							"stacks" };

static unsigned int family_index(uint32_t fam)
{
	return fam == F_RD ? 1 : fam == F_BP ? 2 : fam == F_STK ? 3 : 0;
}

/*
 * A program of hook h was refused or would not attach: try the hook's next
 * alternative; with none left, a hook shared by several families first
 * gives up the families other than loop lag, one at a time (the verifier
 * drops their code), and only then goes off. Returns -1 when loop lag
 * itself cannot run.
 */
static int plan_refused(struct lw_probes *p, struct plan *pl, enum lw_hook_id h, const char *prog,
			const char *why)
{
	uint32_t fam = hook_defs[h].families & pl->families;
	char msg[LW_WHY_LEN];

	snprintf(msg, sizeof(msg), "%.60s refused: %.160s", prog, why[0] ? why : "no reason given");
	snprintf(p->hooks[h].why, sizeof(p->hooks[h].why), "%s", msg);
	if (++pl->hk[h].cur < pl->hk[h].n) {
		lw_info("%s: %s; trying %s", lw_hook_name(h), msg, cur_alt(pl, h)->path);
		return 0;
	}
	if (fam & ~F_LOOP && fam != (fam & -fam)) {
		unsigned int bit = fam & F_BP ? 2 : 1;

		pl->families &= ~(1u << bit);
		snprintf(pl->family_why[bit], LW_WHY_LEN, "%s", msg);
		pl->hk[h].cur = 0;
		p->hooks[h].why[0] = '\0';
		lw_warn("kernel refuses %s with %s on: %s; %s is off", prog, family_names[bit], why,
			family_names[bit]);
		return 0;
	}
	hook_off(p, pl, h, msg);
	if (h == LW_HK_WAIT) {
		lw_err("kernel refuses the epoll wait probes (%s): loop lag cannot run", msg);
		return -1;
	}
	return 0;
}

/*
 * LOOPWATCH_TEST_REFUSE=prog[,prog...]: the tests' way to have this kernel
 * refuse programs for real. Each is loaded as a socket filter, which the
 * kernel rejects (a socket filter has no attach target).
 */
static void refuse_for_tests(struct bpf_object *obj)
{
	const char *list = getenv("LOOPWATCH_TEST_REFUSE");
	char name[64];

	while (list && *list) {
		size_t n = strcspn(list, ",");
		struct bpf_program *prog;

		snprintf(name, sizeof(name), "%.*s", (int)n, list);
		prog = bpf_object__find_program_by_name(obj, name);
		if (prog)
			bpf_program__set_type(prog, BPF_PROG_TYPE_SOCKET_FILTER);
		list += n + (list[n] == ',');
	}
}

/* Does the table name this program, as a hook's program or its lag variant? */
static bool table_has_prog(const struct loopwatch_bpf *skel, const struct bpf_program *prog)
{
	for (int h = 0; h < LW_HK_MAX; h++)
		for (int a = 0; a < 3 && hook_defs[h].alts[a].path; a++)
			for (int i = 0; hook_defs[h].alts[a].progs[i].prog; i++) {
				const struct hook_prog *hp = &hook_defs[h].alts[a].progs[i];

				if (skel_prog(skel, hp->prog) == prog ||
				    (hp->lag && skel_prog(skel, hp->lag) == prog))
					return true;
			}
	return false;
}

static bool table_has_map(const struct loopwatch_bpf *skel, const struct bpf_map *map)
{
	for (size_t i = 0; i < sizeof(map_defs) / sizeof(map_defs[0]); i++)
		if (skel_map(skel, map_defs[i].map) == map)
			return true;
	return false;
}

/* The compiler checks that every name in the tables is in the object; this
 * checks the other way: a program no hook serves would silently never load,
 * a map of no family would stop the agent where it could have turned one
 * family off. And exactly the hooks loop lag shares with readiness name a lag
 * variant. Checked at every start, so every test checks it. */
static int check_table(const struct loopwatch_bpf *skel)
{
	struct bpf_program *prog;
	struct bpf_map *map;

	for (int h = 0; h < LW_HK_MAX; h++) {
		bool shared = hook_defs[h].families == (F_LOOP | F_RD);

		for (int a = 0; a < 3 && hook_defs[h].alts[a].path; a++)
			for (int i = 0; hook_defs[h].alts[a].progs[i].prog; i++) {
				const struct hook_prog *hp = &hook_defs[h].alts[a].progs[i];

				if (!hp->lag == !shared)
					continue;
				lw_err("the loader's table gives program %s %s lag variant (agent/kernel/probes.c)",
				       bpf_program__name(skel_prog(skel, hp->prog)),
				       shared ? "no" : "a");
				return -EINVAL;
			}
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (table_has_prog(skel, prog))
			continue;
		lw_err("program %s serves no hook of the loader's table (agent/kernel/probes.c)",
		       bpf_program__name(prog));
		return -EINVAL;
	}
	bpf_object__for_each_map(map, skel->obj) {
		if (bpf_map__is_internal(map) || table_has_map(skel, map))
			continue;
		lw_err("map %s serves no family of the loader's table (agent/kernel/probes.c)",
		       bpf_map__name(map));
		return -EINVAL;
	}
	return 0;
}

/* Open the object with this plan's settings; the programs are chosen next. */
static int open_skel(struct lw_probes *p, const struct lw_options *o, const struct lw_kernel *k,
		     const struct plan *pl)
{
	p->skel = loopwatch_bpf__open();
	if (!p->skel) {
		lw_err("failed to open BPF object: %s", strerror(errno));
		return -errno;
	}
	if (check_table(p->skel))
		return -EINVAL;
	p->skel->rodata->lw_filter_pids = o->npids > 0;
	if (o->comm[0]) {
		p->skel->rodata->lw_filter_comm = true;
		memcpy((char *)p->skel->rodata->lw_comm, o->comm, sizeof(o->comm));
	}
	p->skel->data->lw_stall_ns = (uint64_t)o->stall_ms * 1000000ull;
	p->skel->rodata->lw_detect = pl->families;
	p->skel->rodata->lw_self_pid = (uint32_t)getpid();
	p->skel->rodata->lw_k_switch_has_state = k->switch_nargs >= 4;
	p->skel->rodata->lw_k_kfree_skb_has_sk = k->kfree_skb_nargs >= 4;
	p->skel->rodata->lw_k_retransmit_has_err = k->retransmit_nargs >= 3;
	p->skel->rodata->lw_k_epoll_timeout_ms = k->epoll_timeout_ms;
	bpf_map__set_max_entries(p->skel->maps.lw_threads, o->max_threads);
	bpf_map__set_max_entries(p->skel->maps.lw_bp_swept, o->max_sockets);
	bpf_map__set_max_entries(p->skel->maps.ready_threads, o->max_threads);
	bpf_map__set_max_entries(p->skel->maps.ready_socks, o->max_sockets);
	lw_probes_stacks_config(p, o, pl->families & F_STK);
	/* by fd, by user data and by socket */
	bpf_map__set_max_entries(p->skel->maps.ready_regs, 3 * o->max_sockets);
	refuse_for_tests(p->skel->obj);
	/* before 5.11 there is no task storage: a stand-in that is never used
	 * (readiness, its only user, is off there) lets the object load */
	if (!k->task_storage) {
		bpf_map__set_type(p->skel->maps.ready_recv_wanted, BPF_MAP_TYPE_HASH);
		bpf_map__set_max_entries(p->skel->maps.ready_recv_wanted, 1);
	}
	return 0;
}

static void destroy_links(struct lw_probes *p)
{
	struct bpf_link *all[LW_MAX_LINKS + LW_MAX_DETAIL];
	unsigned int n = 0;

	/* in one call, so that their grace periods overlap (probes_detach.c) */
	for (unsigned int i = 0; i < p->attached; i++)
		all[n++] = p->links[i];
	for (unsigned int i = 0; i < p->ndetail; i++)
		if (p->detail_links[i])
			all[n++] = p->detail_links[i];
	lw_links_destroy(all, n);
	memset(p->links, 0, sizeof(p->links));
	memset(p->detail_links, 0, sizeof(p->detail_links));
	for (unsigned int i = 0; i < p->ndetail; i++)
		if (p->detail_pfd[i] >= 0)
			close(p->detail_pfd[i]);
	p->attached = 0;
	p->ndetail = 0;
	p->detail_on = false;
}

/* A detail program's link. One on a system call tracepoint attaches through
 * the perf event opened for it at start: opening one later, without
 * CAP_SYS_ADMIN, fails on Debian's kernels. */
static struct bpf_link *detail_attach(struct lw_probes *p, unsigned int i)
{
	if (p->detail_pfd[i] >= 0)
		return lw_tp_event_attach(p->detail_progs[i], p->detail_pfd[i]);
	return bpf_program__attach(p->detail_progs[i]);
}

/* Attach every loaded program but the iterators (their owners make their
 * links). Returns the hook whose program would not attach, or -1. */
static int attach_all(struct lw_probes *p, const struct plan *pl, char *why, size_t len,
		      const char **failed)
{
	struct bpf_program *prog;
	int h;

	bpf_object__for_each_program(prog, p->skel->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog) ||
		    bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER ||
		    bpf_program__type(prog) == BPF_PROG_TYPE_PERF_EVENT)
			continue;
		if (p->attached + p->ndetail >= LW_MAX_LINKS) {
			snprintf(why, len, "more programs than links (LW_MAX_LINKS)");
			*failed = bpf_program__name(prog);
			return LW_HK_WAIT;
		}
		h = hook_of(p, pl, bpf_program__name(prog));
		if (h >= 0 && (LW_DETAIL_HOOKS & (1u << h)) && p->ndetail < LW_MAX_DETAIL) {
			unsigned int i = p->ndetail;

			p->detail_progs[i] = prog;
			p->detail_pfd[i] = -1;
			if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACEPOINT) {
				int fd = lw_tp_event_open(prog, TRACEFS);

				if (fd < 0) {
					snprintf(why, len, "failed to open its perf event: %s",
						 strerror(-fd));
					*failed = bpf_program__name(prog);
					return h;
				}
				p->detail_pfd[i] = fd;
			}
			p->ndetail++;
			/* attached once here all the same: a program the kernel
			 * will not attach costs its hook at start, not at the
			 * first engage */
			p->detail_links[i] = detail_attach(p, i);
			link = p->detail_links[i];
		} else {
			link = bpf_program__attach(prog);
			if (link)
				p->links[p->attached++] = link;
		}
		if (!link) {
			snprintf(why, len, "failed to attach: %s", strerror(errno));
			*failed = bpf_program__name(prog);
			return hook_of(p, pl, *failed);
		}
	}
	return -1;
}

unsigned int lw_probes_detail(struct lw_probes *p, bool on)
{
	unsigned int n = 0;

	if (!on) {
		lw_links_destroy(p->detail_links, p->ndetail);
		p->detail_on = false;
		p->skel->data->lw_rd_era = 0;
		return 0;
	}
	for (unsigned int i = 0; i < p->ndetail; i++) {
		if (!p->detail_links[i])
			p->detail_links[i] = detail_attach(p, i);
		if (p->detail_links[i])
			n++;
		else
			lw_warn("failed to attach %s for the detail tier: %s",
				bpf_program__name(p->detail_progs[i]), strerror(errno));
	}
	p->detail_on = n > 0;
	/* the hand-over's per-wait work follows the tier (bpf/ready.bpf.h); a
	 * new number each engage, never the 1 it starts with */
	p->skel->data->lw_rd_era = p->detail_on ? ++p->era + 1 : 0;
	return n;
}

#define LW_MAX_ATTEMPTS 32

int lw_probes_start(struct lw_probes *p, const struct lw_options *o, lw_event_fn fn, void *ctx)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct lw_kernel k;
	struct plan pl;
	int err, attempt;

	memset(p, 0, sizeof(*p));
	memset(&pl, 0, sizeof(pl));
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
	err = lw_kernel_probe(&k);
	if (err) {
		lw_err("failed to read the kernel's BTF: %s", strerror(-err));
		return -ENOTSUP;
	}
	snprintf(p->kernel, sizeof(p->kernel), "%s", k.release);
	plan_families(&pl, &k, o->detect | (o->stacks ? F_STK : 0));
	plan_order(&pl, o->hooks);

	for (attempt = 0; attempt < LW_MAX_ATTEMPTS; attempt++) {
		const char *failed = NULL;
		char why[LW_WHY_LEN];
		int h;

		err = open_skel(p, o, &k, &pl);
		if (err)
			goto fail;
		plan_apply(p, &pl, &k);
		if (!cur_alt(&pl, LW_HK_WAIT)) {
			lw_err("kernel lacks a hook for epoll waits (%s): loop lag cannot run",
			       p->hooks[LW_HK_WAIT].why);
			err = -ENOTSUP;
			goto fail;
		}
		memset(&refusal, 0, sizeof(refusal));
		refusal.trying = true;
		err = loopwatch_bpf__load(p->skel);
		refusal.trying = false;
		if (!err) {
			h = attach_all(p, &pl, why, sizeof(why), &failed);
			if (h < 0)
				break;
		} else if (refusal.map[0]) {
			uint32_t fam = map_family(p, refusal.map);

			if (fam == F_LOOP || !(pl.families & fam)) {
				lw_err("failed to create map %s: %s", refusal.map, refusal.why);
				goto fail;
			}
			pl.families &= ~fam;
			snprintf(pl.family_why[family_index(fam)], LW_WHY_LEN,
				 "map %.60s cannot be created: %.150s", refusal.map, refusal.why);
			lw_warn("kernel cannot create map %s (%s): %s is off", refusal.map,
				refusal.why, family_names[family_index(fam)]);
			h = -2;
		} else {
			failed = refusal.prog;
			snprintf(why, sizeof(why), "%s", refusal.why);
			h = refusal.prog[0] ? hook_of(p, &pl, refusal.prog) : -1;
			if (h < 0) {
				lw_err("failed to load BPF programs: %s%s%s", strerror(-err),
				       refusal.prog[0] ? " in " : "", refusal.prog);
				goto fail;
			}
		}
		if (h >= 0 && plan_refused(p, &pl, h, failed, why)) {
			err = -ENOTSUP;
			goto fail;
		}
		destroy_links(p);
		loopwatch_bpf__destroy(p->skel);
		p->skel = NULL;
	}
	if (attempt == LW_MAX_ATTEMPTS) {
		lw_err("failed to find a set of programs this kernel loads");
		err = -ENOTSUP;
		goto fail;
	}
	for (int h = 0; h < LW_HK_MAX; h++) {
		const struct hook_alt *alt = cur_alt(&pl, h);

		p->hooks[h].on = (hook_defs[h].families & pl.families) && alt;
		/* an alternative's later programs may be missing on their own */
		for (int i = 1; p->hooks[h].on && alt->progs[i].prog; i++) {
			struct bpf_program *prog = plan_prog(p, &pl, &alt->progs[i]);

			if (!bpf_program__autoload(prog))
				lw_warn("kernel lacks hook %s: program %s is off; %s goes on without it",
					bpf_program__section_name(prog), bpf_program__name(prog),
					lw_hook_name(h));
		}
		if (!p->hooks[h].on && (hook_defs[h].families & pl.families) && p->hooks[h].why[0])
			lw_warn("%s is off: %s", lw_hook_name(h), p->hooks[h].why);
		if (!p->hooks[h].on)
			p->skipped += !!(hook_defs[h].families & pl.families);
	}
	p->detail_on = p->ndetail > 0;
	/* the sweep's links are made by its owner, which says if they fail */
	p->families = pl.families;
	p->asked = o->detect | F_LOOP | (o->stacks ? F_STK : 0);
	for (int i = 0; i < LW_FAMILIES; i++)
		snprintf(p->family_why[i], sizeof(p->family_why[i]), "%s", pl.family_why[i]);
	for (unsigned int i = 0; i < o->npids; i++) {
		uint8_t one = 1;

		bpf_map__update_elem(p->skel->maps.lw_pid_filter, &o->pids[i], sizeof(o->pids[i]),
				     &one, sizeof(one), BPF_ANY);
	}
	if (p->hooks[LW_HK_SAMPLE].on)
		lw_probes_stacks_sample(p);
	/* the stack records' ring first: a stall finds the stacks of its
	 * window read (they were written at least a sleep before it) */
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.lw_stk_events), fn, ctx, NULL);
	if (p->rb && ring_buffer__add(p->rb, bpf_map__fd(p->skel->maps.lw_events), fn, ctx)) {
		ring_buffer__free(p->rb);
		p->rb = NULL;
	}
	if (!p->rb) {
		err = errno ? -errno : -ENOMEM;
		lw_err("failed to create ring buffer: %s", strerror(-err));
		goto fail;
	}
	lw_kernel_free(&k);
	return 0;
fail:
	lw_probes_stop(p);
	lw_kernel_free(&k);
	return err;
}

void lw_probes_detections(const struct lw_probes *p, struct lw_detections *out)
{
	const char *why[LW_FAMILIES];

	for (int i = 0; i < LW_FAMILIES; i++)
		why[i] = p->family_why[i][0] ? p->family_why[i] : NULL;
	lw_detections_compute(out, p->hooks, p->families, p->asked, why);
}

void lw_probes_stop(struct lw_probes *p)
{
	ring_buffer__free(p->rb);
	lw_probes_stacks_stop(p);
	for (int i = 0; i < 3; i++) {
		bpf_link__destroy(p->bp_sweep[i]);
		p->bp_sweep[i] = NULL;
	}
	destroy_links(p);
	loopwatch_bpf__destroy(p->skel);
	free(p->missed_seen);
	p->missed_seen = NULL;
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
	lw_probes_stacks_set_stall_ms(p, ms);
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

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "util/log.h"
#include "kernel/probes_kernel.h"

static const char *tracefs_root(void)
{
	struct stat st;

	return stat("/sys/kernel/tracing/events", &st) ? "/sys/kernel/debug/tracing" :
							   "/sys/kernel/tracing";
}

static bool enum_has(const struct btf *btf, const char *type, const char *value)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *e;

	if (id < 0)
		return false;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (unsigned int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), value))
			return true;
	return false;
}

/* Arguments of a tp_btf tracepoint (btf_trace_NAME is a pointer to a
 * prototype whose first argument is the tracepoint's private data). */
static int tp_btf_nargs(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return (int)btf_vlen(t) - 1;
}

static const struct btf_type *func_proto(const struct btf *btf, const char *fn)
{
	int id = btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC);
	const struct btf_type *t;

	if (id < 0)
		return NULL;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t) ? t : NULL;
}

/* Is argument i of fn an integer (rather than a pointer)? */
static bool func_arg_is_int(const struct btf *btf, const char *fn, unsigned int i)
{
	const struct btf_type *t = func_proto(btf, fn);
	const struct btf_type *a;

	if (!t || i >= btf_vlen(t))
		return false;
	a = btf__type_by_id(btf, btf_params(t)[i].type);
	while (a && (btf_is_mod(a) || btf_is_typedef(a)))
		a = btf__type_by_id(btf, a->type);
	return a && btf_is_int(a);
}

/* Load and attach an empty fentry program on fn: some kernels build fentry
 * in and still refuse it (EPERM with no log), so only trying tells. */
static bool fentry_works(const struct btf *btf, const char *fn, char *why, size_t len)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY);
	int id = btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC), fd, link;

	if (id < 0) {
		snprintf(why, len, "the kernel's BTF has no function %s", fn);
		return false;
	}
	opts.attach_btf_id = (unsigned int)id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "lw_fentry_probe", "GPL", insns, 2, &opts);
	if (fd < 0) {
		snprintf(why, len, "the kernel refuses fentry programs: %s", strerror(errno));
		return false;
	}
	link = bpf_raw_tracepoint_open(NULL, fd);
	if (link < 0)
		snprintf(why, len, "fentry on %s does not attach: %s", fn, strerror(errno));
	else
		close(link);
	close(fd);
	return link >= 0;
}

int lw_kernel_probe(struct lw_kernel *k)
{
	struct utsname u;
	struct stat st;

	memset(k, 0, sizeof(*k));
	if (!uname(&u))
		snprintf(k->release, sizeof(k->release), "%s", u.release);
	k->btf = btf__load_vmlinux_btf();
	if (!k->btf)
		return -errno;
	k->task_storage = enum_has(k->btf, "bpf_map_type", "BPF_MAP_TYPE_TASK_STORAGE");
	k->helper_loop = enum_has(k->btf, "bpf_func_id", "BPF_FUNC_loop");
	k->helper_task_btf = enum_has(k->btf, "bpf_func_id", "BPF_FUNC_get_current_task_btf");
	k->helper_sock_from_file = enum_has(k->btf, "bpf_func_id", "BPF_FUNC_sock_from_file");
	k->switch_nargs = tp_btf_nargs(k->btf, "sched_switch");
	k->kfree_skb_nargs = tp_btf_nargs(k->btf, "kfree_skb");
	k->retransmit_nargs = tp_btf_nargs(k->btf, "tcp_retransmit_skb");
	k->epoll_timeout_ms = func_arg_is_int(k->btf, "do_epoll_wait", 3);
	k->kprobes = !stat("/sys/bus/event_source/devices/kprobe/type", &st);
	k->fentry = fentry_works(k->btf, "do_epoll_wait", k->fentry_why, sizeof(k->fentry_why));
	lw_debug("kernel %s: fentry %s%s%s, kprobes %s, bpf_loop %s, task storage %s, sched_switch %d args",
		 k->release, k->fentry ? "yes" : "no", k->fentry ? "" : ": ",
		 k->fentry ? "" : k->fentry_why, k->kprobes ? "yes" : "no",
		 k->helper_loop ? "yes" : "no", k->task_storage ? "yes" : "no", k->switch_nargs);
	return 0;
}

void lw_kernel_free(struct lw_kernel *k)
{
	btf__free(k->btf);
	k->btf = NULL;
}

static bool prefixed(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return false;
	*rest = s + n;
	return true;
}

bool lw_kernel_has_hook(const struct lw_kernel *k, const char *sec, char *why, size_t len)
{
	const char *name;
	char path[256];
	struct stat st;

	if (prefixed(sec, "tracepoint/", &name)) {
		snprintf(path, sizeof(path), "%s/events/%s/id", tracefs_root(), name);
		if (!stat(path, &st))
			return true;
		snprintf(why, len, "no tracepoint %s", name);
		return false;
	}
	if (prefixed(sec, "tp_btf/", &name)) {
		if (tp_btf_nargs(k->btf, name) >= 0)
			return true;
		snprintf(why, len, "no tracepoint %s", name);
		return false;
	}
	if (prefixed(sec, "fentry/", &name) || prefixed(sec, "fexit/", &name)) {
		if (!k->fentry) {
			snprintf(why, len, "%s", k->fentry_why);
			return false;
		}
		if (btf__find_by_name_kind(k->btf, name, BTF_KIND_FUNC) >= 0)
			return true;
		snprintf(why, len, "no function %s to trace", name);
		return false;
	}
	if (prefixed(sec, "kprobe/", &name) || prefixed(sec, "kretprobe/", &name)) {
		if (!k->kprobes) {
			snprintf(why, len, "the kernel has no kprobes");
			return false;
		}
		if (btf__find_by_name_kind(k->btf, name, BTF_KIND_FUNC) >= 0)
			return true;
		snprintf(why, len, "no function %s to probe", name);
		return false;
	}
	return true;
}

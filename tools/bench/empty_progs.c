// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of the per-call benchmark: attach a program that does nothing
 * ("r0 = 0; exit") to every hook the loopwatch object uses, so that what
 * remains between this and loopwatch is the cost of loopwatch's own code.
 * The hooks are read from the object's section names, so the floor follows
 * the probes as they grow.
 *
 *   empty_progs OBJECT.bpf.o
 *   empty_progs --hooks SECTION...    e.g. tracepoint/syscalls/sys_enter_getppid
 *
 * The second form puts empty programs on hooks the loop never reaches: with
 * any syscall tracepoint in use, every system call of every process takes
 * the tracing slow path, and that part of the floor shows on its own.
 * Prints "attached N" and the hooks, then holds them until SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static const struct bpf_insn empty[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

static int tracepoint_id(const char *cat_name)
{
	static const char *roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[512];

	for (unsigned int i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		FILE *f;
		int id;

		snprintf(path, sizeof(path), "%s/events/%s/id", roots[i], cat_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%d", &id) != 1)
			id = -1;
		fclose(f);
		return id;
	}
	return -1;
}

/* Same as libbpf's tracepoint attach: one perf event, any pid, CPU 0; a
 * program on a tracepoint runs on every CPU regardless. */
static int attach_tracepoint(const char *cat_name)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr) };
	int id = tracepoint_id(cat_name), prog, pfd;

	if (id < 0)
		return -ENOENT;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACEPOINT, "lw_empty", "GPL", empty, 2, NULL);
	if (prog < 0)
		return prog;
	attr.config = (__u64)id;
	pfd = (int)syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) || ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0))
		return -errno;
	return 0;
}

static int attach_tp_btf(struct btf *vmlinux, const char *name)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_RAW_TP);
	char type[256];
	int id, prog;

	snprintf(type, sizeof(type), "btf_trace_%s", name);
	id = vmlinux ? btf__find_by_name_kind(vmlinux, type, BTF_KIND_TYPEDEF) : -ENOENT;
	if (id < 0)
		return -ENOENT;
	opts.attach_btf_id = (__u32)id;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, "lw_empty", "GPL", empty, 2, &opts);
	if (prog < 0)
		return prog;
	return bpf_raw_tracepoint_open(NULL, prog) < 0 ? -errno : 0;
}

static int attach_raw_tp(const char *name)
{
	int prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "lw_empty", "GPL", empty, 2, NULL);

	if (prog < 0)
		return prog;
	return bpf_raw_tracepoint_open(name, prog) < 0 ? -errno : 0;
}

/* Returns 1 when an empty program now runs on the hook SEC names. */
static unsigned int attach_one(struct btf *vmlinux, const char *sec)
{
	int err = -EOPNOTSUPP;

	if (!strncmp(sec, "tracepoint/", 11))
		err = attach_tracepoint(sec + 11);
	else if (!strncmp(sec, "tp/", 3))
		err = attach_tracepoint(sec + 3);
	else if (!strncmp(sec, "tp_btf/", 7))
		err = attach_tp_btf(vmlinux, sec + 7);
	else if (!strncmp(sec, "raw_tp/", 7))
		err = attach_raw_tp(sec + 7);
	else if (!strncmp(sec, "raw_tracepoint/", 15))
		err = attach_raw_tp(sec + 15);
	if (err) {
		/* iterators and uprobes fire on no system call of the loop */
		fprintf(stderr, "empty_progs: no empty program for %s: %s\n", sec, strerror(-err));
		return 0;
	}
	fprintf(stderr, "empty_progs: %s\n", sec);
	return 1;
}

int main(int argc, char **argv)
{
	struct btf *vmlinux;
	struct bpf_object *obj;
	struct bpf_program *prog;
	unsigned int attached = 0;
	sigset_t set;
	int sig;

	if (argc < 2 || (argc != 2 && strcmp(argv[1], "--hooks"))) {
		fprintf(stderr, "usage: empty_progs OBJECT.bpf.o | --hooks SECTION...\n");
		return 2;
	}
	libbpf_set_print(silent);
	vmlinux = btf__load_vmlinux_btf();
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!strcmp(argv[1], "--hooks")) {
		for (int i = 2; i < argc; i++)
			attached += attach_one(vmlinux, argv[i]);
	} else {
		obj = bpf_object__open_file(argv[1], NULL);
		if (!obj) {
			fprintf(stderr, "empty_progs: failed to open %s: %s\n", argv[1],
				strerror(errno));
			return 1;
		}
		bpf_object__for_each_program(prog, obj)
			attached += attach_one(vmlinux, bpf_program__section_name(prog));
		bpf_object__close(obj);
	}
	printf("attached %u\n", attached);
	fflush(stdout);
	if (!attached)
		return 1;
	/* the kernel detaches everything when the fds close at exit */
	sigwait(&set, &sig);
	btf__free(vmlinux);
	return 0;
}

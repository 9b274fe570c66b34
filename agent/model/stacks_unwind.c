// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <elfutils/libdwfl.h>
#include "model/stacks_ksyms.h"
#include "model/stacks_unwind.h"

/* Processes kept: each holds its Dwfl with the ELF files it opened. */
#define LW_UW_PROCS 64
/* A miss reads the mappings again at most this often. */
#define LW_UW_REREAD_NS 1000000000ull
#define LW_MAPS_MAX (4u << 20)

struct lw_jit_sym {
	uint64_t start, size;
	char *name;
};

struct lw_uw_proc {
	uint32_t pid;
	char *maps;			/* /proc/PID/maps as first read */
	size_t maps_len;
	uint64_t maps_read_ns;
	Dwfl *dwfl;
	bool attached;
	const struct lw_stk_capture *cur;	/* the capture being unwound */
	struct lw_jit_sym *jit;		/* /tmp/perf-PID.map, sorted */
	size_t njit, jitcap;
	time_t jit_mtime;
	bool jit_tried;
	bool same_root;			/* it sees our /: its paths are ours */
};

struct lw_name_slot {
	uint64_t mod, rel;
	char name[LW_FRAME_LEN];
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The process whose Dwfl is in use: libdwfl's callbacks take no argument
 * of ours, and everything here runs on the agent's one thread. */
static const struct lw_uw_proc *cur_proc;

/*
 * A module's file as the process sees it, through /proc/PID/root: a process
 * in a container has its own /usr/lib. Once the process is gone, our own
 * path only when it shared our root, else no file (and no names): a
 * different binary at the same path would name frames wrongly.
 */
static int find_elf(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr base,
		    char **file_name, Elf **elfp)
{
	char path[PATH_MAX + 32];
	int fd;

	if (!cur_proc || name[0] != '/')
		return dwfl_linux_proc_find_elf(mod, userdata, name, base, file_name, elfp);
	snprintf(path, sizeof(path), "/proc/%u/root%s", cur_proc->pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && cur_proc->same_root)
		fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	*file_name = strdup(name);
	*elfp = NULL;
	return fd;
}

static const Dwfl_Callbacks dwfl_cbs = {
	.find_elf = find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* The thread state libdwfl unwinds: the captured registers, and memory
 * only where the capture copied it. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
	struct lw_uw_proc *p = arg;

	(void)dwfl;
	if (*thread_argp || !p->cur)
		return 0;
	*thread_argp = p;
	return (pid_t)p->cur->hdr.tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
	(void)dwfl;
	(void)tid;
	*thread_argp = arg;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
	const struct lw_uw_proc *p = arg;
	const struct lw_stk_capture *c = p->cur;

	(void)dwfl;
	if (!c || addr < c->stack_base || addr - c->stack_base > (uint64_t)c->stack_len ||
	    c->stack_len - (addr - c->stack_base) < sizeof(*result))
		return false;
	memcpy(result, c->data + (addr - c->stack_base), sizeof(*result));
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *arg)
{
	const struct lw_uw_proc *p = arg;
	Dwarf_Word regs[LW_STK_NREGS];

	for (int i = 0; i < LW_STK_NREGS; i++)
		regs[i] = p->cur->regs[i];
	/* rip is the return-address column (16) and the pc */
	if (!dwfl_thread_state_registers(thread, 0, LW_STK_NREGS, regs))
		return false;
	dwfl_thread_state_register_pc(thread, p->cur->regs[LW_STK_REG_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_cbs = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 8192, n = 0;
	char *buf = NULL, *nb;

	if (!f)
		return NULL;
	for (;;) {
		nb = realloc(buf, cap + 1);
		if (!nb)
			goto fail;
		buf = nb;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || cap >= max)
			break;
		cap *= 2;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	free(buf);
	fclose(f);
	return NULL;
}

static void proc_drop_dwfl(struct lw_uw_proc *p)
{
	if (p->dwfl)
		dwfl_end(p->dwfl);
	p->dwfl = NULL;
	p->attached = false;
}

static void proc_free(struct lw_uw_proc *p)
{
	if (!p)
		return;
	proc_drop_dwfl(p);
	if (cur_proc == p)
		cur_proc = NULL;
	for (size_t i = 0; i < p->njit; i++)
		free(p->jit[i].name);
	free(p->jit);
	free(p->maps);
	free(p);
}

/* The mappings, from a fresh read of /proc/PID/maps when it can be had,
 * else the copy kept from before. Only the text: its Dwfl is made when a
 * stack needs it (proc_ready), so that a process merely seen costs a read. */
static void proc_load(struct lw_uw_proc *p, bool reread)
{
	char path[64];
	size_t len = 0;
	char *maps = NULL;

	if (reread || !p->maps) {
		struct stat theirs, ours;

		snprintf(path, sizeof(path), "/proc/%u/maps", p->pid);
		maps = read_file(path, LW_MAPS_MAX, &len);
		p->maps_read_ns = mono_ns();
		snprintf(path, sizeof(path), "/proc/%u/root/", p->pid);
		if (maps && !stat(path, &theirs) && !stat("/", &ours))
			p->same_root = theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
	}
	if (!maps)
		return;		/* gone: what we had is all there is */
	free(p->maps);
	p->maps = maps;
	p->maps_len = len;
	proc_drop_dwfl(p);
}

/* Its Dwfl, from the mappings kept. */
static void proc_ready(struct lw_uw_proc *p)
{
	FILE *f;

	if (p->dwfl || !p->maps || !p->maps_len)
		return;
	p->dwfl = dwfl_begin(&dwfl_cbs);
	if (!p->dwfl)
		return;
	f = fmemopen(p->maps, p->maps_len, "r");
	dwfl_report_begin(p->dwfl);
	if (f) {
		dwfl_linux_proc_maps_report(p->dwfl, f);
		fclose(f);
	}
	dwfl_report_end(p->dwfl, NULL, NULL);
	p->attached = dwfl_attach_state(p->dwfl, NULL, (pid_t)p->pid, &thread_cbs, p);
}

static struct lw_uw_proc *proc_get(struct lw_unwinder *u, uint32_t pid)
{
	struct lw_uw_proc *p;

	for (size_t i = u->nprocs; i-- > 0;) {
		if (u->procs[i]->pid != pid)
			continue;
		p = u->procs[i];
		memmove(&u->procs[i], &u->procs[i + 1], (u->nprocs - i - 1) * sizeof(p));
		u->procs[u->nprocs - 1] = p;
		cur_proc = p;
		return p;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	if (u->nprocs == LW_UW_PROCS) {
		proc_free(u->procs[0]);
		memmove(&u->procs[0], &u->procs[1], (u->nprocs - 1) * sizeof(p));
		u->nprocs--;
	}
	u->procs[u->nprocs++] = p;
	cur_proc = p;
	proc_load(p, true);
	return p;
}

void lw_unwinder_init(struct lw_unwinder *u)
{
	memset(u, 0, sizeof(*u));
	u->procs = calloc(LW_UW_PROCS, sizeof(*u->procs));
	u->names = calloc(LW_UW_NAMES, sizeof(*u->names));
	u->kallsyms_path = "/proc/kallsyms";
}

void lw_unwinder_free(struct lw_unwinder *u)
{
	for (size_t i = 0; i < u->nprocs; i++)
		proc_free(u->procs[i]);
	free(u->procs);
	free(u->names);
	lw_ksyms_free(u->ksyms);
	memset(u, 0, sizeof(*u));
}

/* A process first seen or just exec'd (or a pid reused): its mappings now. */
void lw_unwinder_seen(struct lw_unwinder *u, uint32_t pid)
{
	bool known = false;
	struct lw_uw_proc *p;

	for (size_t i = 0; u->procs && i < u->nprocs && !known; i++)
		known = u->procs[i]->pid == pid;
	p = u->procs ? proc_get(u, pid) : NULL;
	if (p && known)
		proc_load(p, true);
}

static int jit_cmp(const void *a, const void *b)
{
	const struct lw_jit_sym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* /tmp/perf-PID.map of the process's own /tmp: "START SIZE name" in hex,
 * as JITs write it. Read again when it changed. */
static void jit_load(struct lw_uw_proc *p)
{
	char path[96], line[512];
	struct stat st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/root/tmp/perf-%u.map", p->pid, p->pid);
	if (stat(path, &st) || (p->jit_tried && st.st_mtime == p->jit_mtime))
		return;
	p->jit_tried = true;
	p->jit_mtime = st.st_mtime;
	f = fopen(path, "re");
	if (!f)
		return;
	for (size_t i = 0; i < p->njit; i++)
		free(p->jit[i].name);
	p->njit = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, size;
		int off = 0;
		struct lw_jit_sym *nj;

		if (sscanf(line, "%llx %llx %n", &start, &size, &off) != 2 || !off || !size)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if (p->njit == p->jitcap) {
			nj = realloc(p->jit, (p->jitcap * 2 + 64) * sizeof(*nj));
			if (!nj)
				break;
			p->jit = nj;
			p->jitcap = p->jitcap * 2 + 64;
		}
		p->jit[p->njit].start = start;
		p->jit[p->njit].size = size;
		p->jit[p->njit].name = strdup(line + off);
		if (p->jit[p->njit].name)
			p->njit++;
	}
	fclose(f);
	qsort(p->jit, p->njit, sizeof(*p->jit), jit_cmp);
}

static const struct lw_jit_sym *jit_find(struct lw_uw_proc *p, uint64_t addr)
{
	size_t lo = 0, hi;

	jit_load(p);
	hi = p->njit;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (p->jit[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr - p->jit[lo - 1].start < p->jit[lo - 1].size)
		return &p->jit[lo - 1];
	return NULL;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Names by module content (its build-id, else its path) and address in
 * it: a loop stalls in the same places again and again, in every process
 * of the same binary, and libdwfl's symbol lookup is a walk of the table. */
static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ull;
	return h;
}

static uint64_t module_key(Dwfl_Module *m, const char *path)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(m, &bits, &vaddr);

	if (n > 0)
		return fnv(bits, (size_t)n, 14695981039346656037ull);
	return fnv(path, strlen(path), 1469598103934665603ull);
}

static void name_module(Dwfl_Module *m, uint64_t addr, char *out, size_t len);

static void name_cached(struct lw_unwinder *u, Dwfl_Module *m, uint64_t addr, char *out,
			size_t len)
{
	const char *path;
	Dwarf_Addr start = 0;
	struct lw_name_slot *s;
	uint64_t key, rel;

	path = dwfl_module_info(m, NULL, &start, NULL, NULL, NULL, NULL, NULL);
	key = module_key(m, path ? path : "");
	rel = addr - start;
	s = &u->names[(fnv(&rel, sizeof(rel), key) >> 7) % LW_UW_NAMES];
	if (s->mod == key && s->rel == rel && s->name[0]) {
		u->name_hits++;
		snprintf(out, len, "%s", s->name);
		return;
	}
	name_module(m, addr, out, len);
	s->mod = key;
	s->rel = rel;
	snprintf(s->name, sizeof(s->name), "%s", out);
}

/* The rule: a symbol names an address only when the address is inside it. */
static void name_in(struct lw_unwinder *u, struct lw_uw_proc *p, uint64_t addr, char *out,
		    size_t len)
{
	Dwfl_Module *m;
	const struct lw_jit_sym *j;

	if (p)
		proc_ready(p);
	m = p && p->dwfl ? dwfl_addrmodule(p->dwfl, addr) : NULL;

	if (!m && p && p->maps_read_ns + LW_UW_REREAD_NS < mono_ns()) {
		proc_load(p, true);
		proc_ready(p);
		m = p->dwfl ? dwfl_addrmodule(p->dwfl, addr) : NULL;
	}
	if (!m) {
		j = p ? jit_find(p, addr) : NULL;
		if (j)
			snprintf(out, len, "%s+0x%" PRIx64 " (jit)", j->name, addr - j->start);
		else
			snprintf(out, len, "0x%" PRIx64 " ([unknown])", addr);
		return;
	}
	if (u->names)
		name_cached(u, m, addr, out, len);
	else
		name_module(m, addr, out, len);
}

static void name_module(Dwfl_Module *m, uint64_t addr, char *out, size_t len)
{
	const char *mod, *name;
	GElf_Off off = 0;
	GElf_Sym sym;
	Dwarf_Addr bias = 0;

	mod = base_name(dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
	memset(&sym, 0, sizeof(sym));
	name = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
	if (name && sym.st_size && off < sym.st_size) {
		/* a versioned .dynsym name: the version is no part of the function's */
		snprintf(out, len, "%.*s+0x%" PRIx64 " (%s)", (int)strcspn(name, "@"), name,
			 (uint64_t)off, mod);
		return;
	}
	if (!dwfl_module_getelf(m, &bias))
		dwfl_module_info(m, NULL, &bias, NULL, NULL, NULL, NULL, NULL);
	snprintf(out, len, "0x%" PRIx64 " (%s)", (uint64_t)(addr - bias), mod);
}

void lw_unwinder_name(struct lw_unwinder *u, uint32_t pid, uint64_t addr, char *out, size_t len)
{
	name_in(u, u->procs ? proc_get(u, pid) : NULL, addr, out, len);
}

struct frames {
	uint64_t pc[LW_STACK_FRAMES];
	bool act[LW_STACK_FRAMES];
	unsigned int n;
};

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct frames *f = arg;
	Dwarf_Addr pc;
	bool act = false;

	if (!dwfl_frame_pc(state, &pc, &act) || !pc)
		return DWARF_CB_ABORT;
	f->pc[f->n] = pc;
	f->act[f->n] = act;
	return ++f->n < LW_STACK_FRAMES ? DWARF_CB_OK : DWARF_CB_ABORT;
}

void lw_unwinder_preload(struct lw_unwinder *u)
{
	if (!u->ksyms)
		u->ksyms = lw_ksyms_load(u->kallsyms_path);
}

static void kernel_stack(struct lw_unwinder *u, const struct lw_stk_capture *c, struct lw_stack *k)
{
	unsigned int n = c->k_len / sizeof(uint64_t);

	bool probe = true;

	k->n = 0;
	if (!n)
		return;
	if (!u->ksyms)
		u->ksyms = lw_ksyms_load(u->kallsyms_path);
	for (unsigned int i = 0; i < n && i < LW_STK_KFRAMES && k->n < LW_STACK_FRAMES; i++) {
		char *f = k->frame[k->n];

		if (!c->k_ips[i])
			break;
		/* return addresses: the call is the byte before */
		lw_ksyms_name(u->ksyms, c->k_ips[i] - 1, f, LW_FRAME_LEN);
		/* the probe's own frames, up to the tracepoint, say nothing */
		if (probe && (!strncmp(f, "bpf_", 4) || !strncmp(f, "__bpf_", 6) ||
			      !strncmp(f, "__traceiter_", 12) || strstr(f, " (bpf)")))
			continue;
		probe = false;
		k->n++;
	}
	if (probe)
		k->n = 0;
}

unsigned int lw_unwind(struct lw_unwinder *u, const struct lw_stk_capture *c, struct lw_stack *user,
		       struct lw_stack *kernel)
{
	struct lw_uw_proc *p = u->procs ? proc_get(u, c->hdr.pid) : NULL;
	struct frames f = { .n = 0 };
	unsigned int nfp = c->fp_len / sizeof(uint64_t);

	u->unwinds++;
	user->n = 0;
	if (p)
		proc_ready(p);
	if (p && p->dwfl && !dwfl_addrmodule(p->dwfl, c->regs[LW_STK_REG_IP]) &&
	    p->maps_read_ns + LW_UW_REREAD_NS < mono_ns()) {
		proc_load(p, true);
		proc_ready(p);
	}
	if (p && p->attached) {
		p->cur = c;
		dwfl_getthread_frames(p->dwfl, (pid_t)c->hdr.tid, frame_cb, &f);
		p->cur = NULL;
	}
	if (!f.n) {
		f.pc[0] = c->regs[LW_STK_REG_IP];
		f.act[0] = true;
		f.n = 1;
	}
	/* a binary with frame pointers: the kernel's walk, when it went further */
	if (nfp > LW_STK_FP_FRAMES)
		nfp = LW_STK_FP_FRAMES;
	while (nfp && !c->fp_ips[nfp - 1])
		nfp--;
	if (nfp > f.n) {
		f.n = nfp < LW_STACK_FRAMES ? nfp : LW_STACK_FRAMES;
		for (unsigned int i = 0; i < f.n; i++) {
			f.pc[i] = c->fp_ips[i];
			f.act[i] = i == 0;
		}
	}
	for (unsigned int i = 0; i < f.n; i++)
		name_in(u, p, f.act[i] ? f.pc[i] : f.pc[i] - 1, user->frame[user->n++], LW_FRAME_LEN);
	u->frames += user->n;
	if (kernel)
		kernel_stack(u, c, kernel);
	return user->n;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Runtime recognition (agent/model/runtime.c): the ELF reading on crafted stripped
 * binaries written here byte by byte, the cache and exec re-check on a fake
 * /proc tree, and what the model, the stall-in-progress check, the alerts
 * and the summary do with a process whose threads are not loops.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/alerts.h"
#include "model/model.h"
#include "model/open_stall.h"
#include "views/prom.h"
#include "model/readiness.h"
#include "views/report.h"
#include "model/runtime.h"

#define MS 1000000ull

static char dir[64];

/* What a crafted ELF holds. */
struct elf_spec {
	const char *section;	/* the one data section's name; NULL: no section headers */
	uint32_t sh_type;
	bool phdr_note;		/* a PT_NOTE segment over the data */
	const void *data;
	size_t len;
};

/* An ELF note: header, owner padded to 4, descriptor padded to 4. */
static size_t make_note(unsigned char *out, const char *owner, uint32_t namesz, uint32_t type)
{
	Elf64_Nhdr nh = { .n_namesz = namesz, .n_descsz = 8, .n_type = type };
	size_t o = 0;

	memcpy(out, &nh, sizeof(nh));
	o += sizeof(nh);
	memset(out + o, 0, (namesz + 3) & ~3u);
	memcpy(out + o, owner, strlen(owner));
	o += (namesz + 3) & ~3u;
	memcpy(out + o, "buildid!", 8);
	return o + 8;
}

/* An x86-64 executable with no symbols (as strip leaves it): the ELF header,
 * maybe one PT_NOTE program header, the data, and maybe section headers
 * (null, the data section, .shstrtab). */
static void write_elf(const char *path, const struct elf_spec *s)
{
	unsigned char buf[4096] = { 0 };
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	size_t data_off = 128, o;
	FILE *f;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x401000;
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	assert_true(s->len < 1024);
	memcpy(buf + data_off, s->data, s->len);
	o = data_off + ((s->len + 7) & ~7u);
	if (s->phdr_note) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr));

		eh->e_phoff = sizeof(Elf64_Ehdr);
		eh->e_phentsize = sizeof(Elf64_Phdr);
		eh->e_phnum = 1;
		ph->p_type = PT_NOTE;
		ph->p_flags = PF_R;
		ph->p_offset = data_off;
		ph->p_vaddr = ph->p_paddr = 0x400000 + data_off;
		ph->p_filesz = ph->p_memsz = s->len;
		ph->p_align = 4;
	}
	if (s->section) {
		char strtab[128] = "";
		size_t name_data = 1, name_str, stl;
		Elf64_Shdr *sh;

		snprintf(strtab + 1, sizeof(strtab) - 1, "%s", s->section);
		name_str = name_data + strlen(s->section) + 1;
		memcpy(strtab + name_str, ".shstrtab", 10);
		stl = name_str + 10;
		memcpy(buf + o, strtab, stl);
		eh->e_shoff = (o + stl + 7) & ~7ul;
		eh->e_shentsize = sizeof(Elf64_Shdr);
		eh->e_shnum = 3;
		eh->e_shstrndx = 2;
		sh = (Elf64_Shdr *)(buf + eh->e_shoff);
		sh[1].sh_name = (uint32_t)name_data;
		sh[1].sh_type = s->sh_type;
		sh[1].sh_flags = SHF_ALLOC;
		sh[1].sh_offset = data_off;
		sh[1].sh_size = s->len;
		sh[1].sh_addralign = 4;
		sh[2].sh_name = (uint32_t)name_str;
		sh[2].sh_type = SHT_STRTAB;
		sh[2].sh_offset = o;
		sh[2].sh_size = stl;
		sh[2].sh_addralign = 1;
		o = eh->e_shoff + 3 * sizeof(Elf64_Shdr);
	}
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, o, f), o);
	fclose(f);
	chmod(path, 0755);
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void write_go_note_section(const char *path)
{
	unsigned char note[64];
	size_t n = make_note(note, "Go", 4, 4);
	struct elf_spec s = { ".note.go.buildid", SHT_NOTE, false, note, n };

	write_elf(path, &s);
}

static void write_plain(const char *path)
{
	unsigned char note[64];
	size_t n = make_note(note, "GNU", 4, NT_GNU_BUILD_ID);
	struct elf_spec s = { ".note.gnu.build-id", SHT_NOTE, true, note, n };

	write_elf(path, &s);
}

static void write_tokio(const char *path)
{
	static const char ro[] = "called `Option::unwrap()`\0tokio-runtime-worker\0main";
	struct elf_spec s = { ".rodata", SHT_PROGBITS, false, ro, sizeof(ro) };

	write_elf(path, &s);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lw-rt-test.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A stripped Go binary keeps .note.go.buildid. */
static void go_note_section(void **state)
{
	char p[128];

	(void)state;
	path_of(p, sizeof(p), "go-note");
	write_go_note_section(p);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_GO);
}

/* .go.buildinfo alone is enough too. */
static void go_buildinfo_section(void **state)
{
	static const char bi[32] = "\xff Go buildinf:\x08\x02";
	struct elf_spec s = { ".go.buildinfo", SHT_PROGBITS, false, bi, sizeof(bi) };
	char p[128];

	(void)state;
	path_of(p, sizeof(p), "go-buildinfo");
	write_elf(p, &s);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_GO);
}

/* With no section headers at all (sstrip), the Go note is found in the
 * PT_NOTE segment; an owner of three bytes ("Go\0") counts as well. */
static void go_note_without_section_headers(void **state)
{
	unsigned char note[64];
	struct elf_spec s = { NULL, 0, true, note, 0 };
	char p[128];

	(void)state;
	path_of(p, sizeof(p), "go-sstrip");
	s.len = make_note(note, "Go", 4, 4);
	write_elf(p, &s);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_GO);
	s.len = make_note(note, "Go", 3, 4);
	write_elf(p, &s);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_GO);
	/* "Gopher" is not Go */
	s.len = make_note(note, "Gopher", 7, 4);
	write_elf(p, &s);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_OTHER);
}

/* A C binary: a GNU build-id note in a section and a segment. */
static void plain_binary_is_other(void **state)
{
	char p[128];

	(void)state;
	path_of(p, sizeof(p), "plain");
	write_plain(p);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_OTHER);
}

/* The ELF alone never says tokio (reading .rodata of every binary would
 * cost too much): a waiting thread's name does. */
static void elf_alone_never_says_tokio(void **state)
{
	char p[128];

	(void)state;
	path_of(p, sizeof(p), "tokio");
	write_tokio(p);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_OTHER);
}

/* Not ELF, empty, cut short, missing: other, and no crash. */
static void bad_files_are_other(void **state)
{
	char p[128], q[128];
	FILE *f;
	int fd;

	(void)state;
	path_of(p, sizeof(p), "script");
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho .note.go.buildid\n", f);
	fclose(f);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_OTHER);
	path_of(p, sizeof(p), "empty");
	fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_OTHER);
	path_of(q, sizeof(q), "go-cut");
	write_go_note_section(q);
	assert_int_equal(truncate(q, 100), 0);
	assert_int_equal(lw_rt_elf_path(q), LW_ELF_OTHER);
	path_of(p, sizeof(p), "no-such-file");
	assert_int_equal(lw_rt_elf_path(p), LW_ELF_OTHER);
}

/* A fake /proc: PID/exe a symlink to a crafted binary, PID/task/TID/comm. */
static void fake_proc(const char *root, uint32_t pid, const char *exe)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%u", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%u/exe", root, pid);
	unlink(p);
	assert_int_equal(symlink(exe, p), 0);
}

static void fake_thread(const char *root, uint32_t pid, uint32_t tid, const char *name)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%u/task", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%u/task/%u", root, pid, tid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%u/task/%u/comm", root, pid, tid);
	f = fopen(p, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", name);
	fclose(f);
}

/* Read once per executable, however many processes run it; an exec (the
 * link points elsewhere) or a rewrite in place (new mtime) reads again. */
static void cached_by_executable_and_rechecked_on_exec(void **state)
{
	static struct lw_rt_cache c;
	char root[128], go[128], plain[128];
	struct lw_exe_id id = { 0 }, id2 = { 0 };
	enum lw_runtime rt = LW_RT_OTHER, rt2 = LW_RT_OTHER;
	struct timespec ts[2] = { { .tv_sec = 1000000 }, { .tv_sec = 1000000 } };

	(void)state;
	path_of(root, sizeof(root), "proc");
	mkdir(root, 0755);
	path_of(go, sizeof(go), "bin-go");
	path_of(plain, sizeof(plain), "bin-plain");
	write_go_note_section(go);
	write_plain(plain);
	fake_proc(root, 100, go);
	fake_proc(root, 101, go);
	lw_rt_cache_init(&c, root);

	assert_int_equal(lw_rt_classify(&c, 100, 0, &id, &rt), LW_RT_F_NEW);
	assert_int_equal(rt, LW_RT_GO);
	assert_true(id.ino != 0);
	assert_int_equal(c.elf_reads, 1);
	/* the same executable again: nothing read, the verdict stands */
	assert_int_equal(lw_rt_classify(&c, 100, 0, &id, &rt), 0);
	assert_int_equal(rt, LW_RT_GO);
	assert_int_equal(c.elf_reads, 1);
	/* another process of it: from the cache */
	assert_int_equal(lw_rt_classify(&c, 101, 0, &id2, &rt2), LW_RT_F_NEW);
	assert_int_equal(rt2, LW_RT_GO);
	assert_int_equal(c.elf_reads, 1);
	assert_int_equal(c.hits, 1);

	/* exec: pid 100 now runs a C binary (a waiting thread's name may
	 * still say tokio) */
	fake_proc(root, 100, plain);
	assert_int_equal(lw_rt_classify(&c, 100, 0, &id, &rt), LW_RT_F_NEW | LW_RT_F_NEED_TID);
	assert_int_equal(rt, LW_RT_OTHER);
	assert_int_equal(c.elf_reads, 2);

	/* the Go file rewritten in place: same inode, new mtime */
	write_plain(go);
	assert_int_equal(utimensat(AT_FDCWD, go, ts, 0), 0);
	assert_int_equal(lw_rt_classify(&c, 101, 0, &id2, &rt2), LW_RT_F_NEW | LW_RT_F_NEED_TID);
	assert_int_equal(rt2, LW_RT_OTHER);
	assert_int_equal(c.elf_reads, 3);

	/* gone (or a kernel thread): other, identity cleared */
	assert_int_equal(lw_rt_classify(&c, 999, 0, &id, &rt), LW_RT_F_NEW);
	assert_int_equal(rt, LW_RT_OTHER);
	assert_int_equal(id.ino, 0);
}

/* The cache keeps at most LW_RT_CACHE executables, dropping the least
 * recently used. */
static void cache_is_bounded(void **state)
{
	static struct lw_rt_cache c;
	char root[128], bin[128], keep[128];
	struct lw_exe_id id;
	enum lw_runtime rt;

	(void)state;
	path_of(root, sizeof(root), "proc-many");
	mkdir(root, 0755);
	path_of(keep, sizeof(keep), "bin-keep");
	write_go_note_section(keep);
	fake_proc(root, 1, keep);
	lw_rt_cache_init(&c, root);
	memset(&id, 0, sizeof(id));
	lw_rt_classify(&c, 1, 0, &id, &rt);
	for (uint32_t i = 0; i < LW_RT_CACHE + 8; i++) {
		snprintf(bin, sizeof(bin), "%s/many-%u", dir, i);
		write_plain(bin);
		fake_proc(root, 2, bin);
		memset(&id, 0, sizeof(id));
		lw_rt_classify(&c, 2, 0, &id, &rt);
		/* pid 1's executable stays in use */
		memset(&id, 0, sizeof(id));
		lw_rt_classify(&c, 1, 0, &id, &rt);
		assert_int_equal(rt, LW_RT_GO);
	}
	assert_int_equal(c.n, LW_RT_CACHE);
	assert_int_equal(c.elf_reads, 1 + LW_RT_CACHE + 8);
}

/* A process is tokio only if the thread seen in a wait call is one of its
 * workers (a current_thread runtime's loop is the thread that called
 * block_on, and stays a loop); its name is read once, with that tid. */
static void tokio_decided_by_the_waiting_thread(void **state)
{
	static struct lw_rt_cache c;
	char root[128], bin[128];
	struct lw_exe_id id = { 0 }, id2 = { 0 };
	enum lw_runtime rt = LW_RT_OTHER, rt2 = LW_RT_OTHER;

	(void)state;
	path_of(root, sizeof(root), "proc-tokio");
	mkdir(root, 0755);
	path_of(bin, sizeof(bin), "bin-tokio");
	write_tokio(bin);
	fake_proc(root, 300, bin);
	fake_thread(root, 300, 300, "server");
	fake_thread(root, 300, 301, "tokio-runtime-w");
	fake_proc(root, 400, bin);
	fake_thread(root, 400, 400, "server");
	lw_rt_cache_init(&c, root);

	assert_int_equal(lw_rt_classify(&c, 300, 0, &id, &rt), LW_RT_F_NEW | LW_RT_F_NEED_TID);
	assert_int_equal(rt, LW_RT_OTHER);
	assert_int_equal(lw_rt_classify(&c, 300, 301, &id, &rt), 0);
	assert_int_equal(rt, LW_RT_TOKIO);
	assert_true(lw_rt_tokio_thread(root, 300, 301));
	assert_false(lw_rt_tokio_thread(root, 300, 300));
	/* a current_thread runtime: the loop is "server" */
	assert_int_equal(lw_rt_classify(&c, 400, 400, &id2, &rt2), LW_RT_F_NEW);
	assert_int_equal(rt2, LW_RT_OTHER);
	assert_int_equal(c.elf_reads, 1);
}

static void names_and_reasons(void **state)
{
	(void)state;
	assert_string_equal(lw_runtime_name(LW_RT_GO), "go");
	assert_string_equal(lw_runtime_name(LW_RT_TOKIO), "tokio");
	assert_string_equal(lw_runtime_name(LW_RT_OTHER), "other");
	assert_null(lw_runtime_reason(LW_RT_OTHER));
	assert_non_null(strstr(lw_runtime_reason(LW_RT_GO), "futex"));
	assert_true(lw_runtime_loops(LW_RT_OTHER));
	assert_false(lw_runtime_loops(LW_RT_GO));
	assert_false(lw_runtime_loops(LW_RT_TOKIO));
}

/* --- the model with a fake classifier: pid 10 is Go, pid 20 is not --- */

struct fake_rt {
	unsigned int calls;
	uint32_t last_tid;
	bool tokio_pid30;	/* pid 30: not Go; its tid 31 a tokio worker */
};

static unsigned int fake_classify(void *ctx, uint32_t pid, uint32_t tid, struct lw_exe_id *id,
				  enum lw_runtime *rt)
{
	struct fake_rt *f = ctx;
	struct lw_exe_id now = { .dev = 1, .ino = pid };
	unsigned int fl = id->ino != now.ino ? LW_RT_F_NEW : 0;

	f->calls++;
	f->last_tid = tid;
	*id = now;
	if (pid == 10) {
		*rt = LW_RT_GO;
	} else if (pid == 30 && f->tokio_pid30) {
		*rt = tid == 31 ? LW_RT_TOKIO : LW_RT_OTHER;
		if (!tid)
			fl |= LW_RT_F_NEED_TID;
	} else {
		*rt = LW_RT_OTHER;
	}
	return fl;
}

static bool always_alive(uint32_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return true;
}

/* A thread of pid that iterated, stalled 300 ms and has a window open 2 s. */
static void busy_thread(struct lw_thread_snap *s, uint32_t pid, uint32_t tid, uint64_t epoch)
{
	memset(s, 0, sizeof(*s));
	s->tid = tid;
	s->t.pid = pid;
	s->t.start_time = tid;
	s->t.proc_start_time = 1000 + pid;
	snprintf(s->t.comm, sizeof(s->t.comm), "p%u", pid);
	s->t.iterations = 50 * (epoch + 1);
	s->t.stalls = epoch + 1;
	s->t.saturated = 3 * (epoch + 1);
	s->t.lag_hist[18] = epoch + 1;
	s->t.max_lag_ns[epoch & 1] = 300 * MS;
	s->t.max_epoch[epoch & 1] = epoch;
	s->t.wait_exit_ns = 1000 * MS;	/* open since 1 s */
}

static void model_init(struct lw_model *m, struct fake_rt *f)
{
	lw_model_init(m);
	m->pid_alive = always_alive;
	m->classify = fake_classify;
	m->classify_ctx = f;
}

static struct lw_thread_snap *two_procs(uint64_t epoch)
{
	struct lw_thread_snap *s = calloc(2, sizeof(*s));

	busy_thread(&s[0], 10, 11, epoch);
	busy_thread(&s[1], 20, 21, epoch);
	return s;
}

/* Go: no loops, iterations, lag or stalls from the thread map, no stall
 * events, no stall in progress; saturation still counts. The other process
 * is measured as before. */
static void go_process_has_no_loop_figures(void **state)
{
	struct fake_rt f = { 0 };
	struct lw_open_stalls os = { 0 };
	struct lw_stall st = { .duration_ms = 300, .cause = LW_CAUSE_BLOCKED };
	struct lw_model m;
	struct lw_proc *go, *c;

	(void)state;
	model_init(&m, &f);
	assert_int_equal(lw_model_apply_threads(&m, two_procs(0), 2, 0), 0);
	go = lw_model_find(&m, 10);
	c = lw_model_find(&m, 20);
	assert_non_null(go);
	assert_non_null(c);
	assert_int_equal(go->runtime, LW_RT_GO);
	assert_int_equal(c->runtime, LW_RT_OTHER);
	assert_int_equal(go->iv.loops, 0);
	assert_int_equal(go->iv.iterations, 0);
	assert_int_equal(go->iv.lag_max_ns, 0);
	assert_int_equal(go->iv.lag_hist[18], 0);
	assert_int_equal(lw_interval_stalls(&go->iv), 0);
	assert_int_equal(go->iv.saturated, 3);
	assert_true(go->iv.active);
	assert_int_equal(c->iv.loops, 1);
	assert_int_equal(c->iv.lag_max_ns, 300 * MS);
	assert_int_equal(c->iv.stalls, 1);
	assert_int_equal(f.calls, 2);

	assert_false(lw_model_add_stall(&m, 10, 11, "p10", &st));
	assert_true(lw_model_add_stall(&m, 20, 21, "p20", &st));
	assert_int_equal(go->iv.stalls_by_cause[LW_CAUSE_BLOCKED], 0);
	assert_int_equal(c->iv.stalls_by_cause[LW_CAUSE_BLOCKED], 1);

	/* both windows 2 s open at 3 s: only pid 20's is a stall in progress */
	assert_int_equal(lw_open_stalls_tick(&os, &m, m.prev, m.nprev, 3000 * MS, 1000 * MS), 1);
	assert_int_equal(os.out[0].hdr.pid, 20);
	assert_int_equal(go->iv.open_stall_ns, 0);
	assert_int_equal(c->iv.open_stall_ns, 2000 * MS);
	/* classified once, not per event or per fold */
	assert_int_equal(f.calls, 2);
	lw_model_end_interval(&m);
	assert_int_equal(lw_model_apply_threads(&m, two_procs(1), 2, 1), 0);
	assert_int_equal(f.calls, 2);
	lw_open_stalls_free(&os);
	lw_model_free(&m);
}

static void collect(void *ctx, const struct lw_alert *al)
{
	unsigned int *fired = ctx;

	if (al->rule == LW_RULE_LOOP_LAG && al->firing)
		fired[al->pid == 10 ? 0 : 1]++;
}

/* 300 ms of lag five intervals in a row: loop_lag fires for the C process
 * only. */
static void go_process_gets_no_loop_lag_alert(void **state)
{
	struct fake_rt f = { 0 };
	struct lw_alert_cfg cfg;
	struct lw_alerts a;
	struct lw_model m;
	unsigned int fired[2] = { 0 };

	(void)state;
	model_init(&m, &f);
	lw_alert_cfg_defaults(&cfg, NULL);
	lw_alerts_init(&a, &cfg);
	for (uint64_t e = 0; e < 5; e++) {
		assert_int_equal(lw_model_apply_threads(&m, two_procs(e), 2, e), 0);
		assert_int_equal(lw_alerts_evaluate(&a, &m, collect, fired), 0);
		lw_model_end_interval(&m);
	}
	assert_int_equal(fired[0], 0);
	assert_int_equal(fired[1], 1);
	lw_alerts_free(&a);
	lw_model_free(&m);
}

/* The summary says which runtime and why there are no loops. */
static void summary_names_the_runtime(void **state)
{
	struct fake_rt f = { 0 };
	struct timespec now = { .tv_sec = 1700000000 };
	struct lw_json j = { 0 };
	struct lw_model m;
	const char *line;

	(void)state;
	model_init(&m, &f);
	assert_int_equal(lw_model_apply_threads(&m, two_procs(0), 2, 0), 0);
	line = lw_json_summary(&j, &now, lw_model_find(&m, 10));
	assert_non_null(line);
	assert_non_null(strstr(line, "\"runtime\":\"go\",\"not_loops\":\"go scheduler"));
	assert_non_null(strstr(line, "\"loops\":0,"));
	assert_non_null(strstr(line, "\"lag_max_ms\":0.000,"));
	line = lw_json_summary(&j, &now, lw_model_find(&m, 20));
	assert_non_null(line);
	assert_non_null(strstr(line, "\"runtime\":\"other\",\"loops\":1,"));
	assert_null(strstr(line, "not_loops"));
	lw_json_free(&j);
	lw_model_free(&m);
}

/* A new comm (an exec) classifies again at once; otherwise every
 * LW_RT_RECHECK intervals. */
static void comm_change_and_recheck_classify_again(void **state)
{
	struct fake_rt f = { 0 };
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model_init(&m, &f);
	p = lw_model_proc(&m, 20, 1020, "sh");
	assert_non_null(p);
	assert_int_equal(f.calls, 1);
	lw_model_proc(&m, 20, 1020, "sh");
	assert_int_equal(f.calls, 1);
	lw_model_proc(&m, 20, 1020, "server");
	assert_int_equal(f.calls, 2);
	for (int i = 0; i < LW_RT_RECHECK; i++) {
		lw_model_proc(&m, 20, 1020, "server");
		lw_model_end_interval(&m);
	}
	assert_int_equal(f.calls, 3);
	lw_model_free(&m);
}

/* An undrained edge-triggered socket of a Go process is none: the thread
 * back in its wait was not the reader. Not counted, not watched. */
static void go_undrained_et_is_not_reported(void **state)
{
	struct fake_rt f = { 0 };
	struct lw_undrained_event e = { .sk = 0xabc, .fd = 7, .bytes_left = 100 };
	struct lw_readiness r;
	struct lw_model m;

	(void)state;
	model_init(&m, &f);
	lw_rd_init(&r, 200);
	e.hdr.pid = 10;
	e.hdr.tid = 11;
	assert_false(lw_rd_on_undrained(&r, &m, &e));
	assert_int_equal(lw_model_find(&m, 10)->iv.undrained_et, 0);
	assert_false(lw_rd_watching(&r));
	e.hdr.pid = 20;
	e.hdr.tid = 21;
	assert_true(lw_rd_on_undrained(&r, &m, &e));
	assert_int_equal(lw_model_find(&m, 20)->iv.undrained_et, 1);
	assert_true(lw_rd_watching(&r));
	lw_rd_free(&r);
	lw_model_free(&m);
}

/* Not Go: the first thread seen in a wait call decides whether it is tokio. */
static void tokio_classified_by_a_waiting_thread(void **state)
{
	struct fake_rt f = { .tokio_pid30 = true };
	struct lw_thread_snap *s = calloc(1, sizeof(*s));
	struct lw_model m;
	struct lw_proc *p;

	(void)state;
	model_init(&m, &f);
	p = lw_model_proc(&m, 30, 1030, "p30");	/* seen first by a socket figure */
	assert_non_null(p);
	assert_int_equal(p->runtime, LW_RT_OTHER);
	assert_true(p->rt_need_tid);
	busy_thread(s, 30, 31, 0);
	assert_int_equal(lw_model_apply_threads(&m, s, 1, 0), 0);
	assert_int_equal(f.last_tid, 31);
	assert_int_equal(p->runtime, LW_RT_TOKIO);
	assert_false(p->rt_need_tid);
	assert_int_equal(p->iv.loops, 0);
	assert_int_equal(p->iv.lag_max_ns, 0);
	lw_model_free(&m);
}

/* The textfile names each process's runtime; a Go process's lag series
 * are empty. */
static void textfile_names_the_runtime(void **state)
{
	struct fake_rt f = { 0 };
	struct lw_prom pr = { 0 };
	struct lw_model m;
	const char *text;
	size_t len = 0;

	(void)state;
	model_init(&m, &f);
	assert_int_equal(lw_model_apply_threads(&m, two_procs(0), 2, 0), 0);
	text = lw_prom_render(&pr, &m, NULL, 100, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "# TYPE loopwatch_process_runtime_info gauge\n"));
	assert_non_null(strstr(text, "loopwatch_process_runtime_info{pid=\"10\",comm=\"p10\",runtime=\"go\"} 1\n"));
	assert_non_null(strstr(text, "loopwatch_process_runtime_info{pid=\"20\",comm=\"p20\",runtime=\"other\"} 1\n"));
	assert_non_null(strstr(text, "loopwatch_loop_lag_max_seconds{pid=\"10\",comm=\"p10\"} 0\n"));
	assert_non_null(strstr(text, "loopwatch_loop_threads{pid=\"10\",comm=\"p10\"} 0\n"));
	lw_prom_free(&pr);
	lw_model_free(&m);
}

/* --- parked threads of no recognised runtime (agent/model/stall.h) --- */

static struct lw_stall blocked_in(const char *sys, enum lw_cause cause)
{
	struct lw_stall s = { .duration_ms = 300, .cause = cause };

	snprintf(s.syscall, sizeof(s.syscall), "%s", cause == LW_CAUSE_BLOCKED ? sys : "");
	s.part_ms[cause] = 300;
	return s;
}

/* Parked only when blocked in futex on a shared epoll instance: a loop
 * blocked on a mutex alone on its instance (Redis, nginx, one epoll per
 * thread) stays a loop stall, and so does anything not a futex sleep. */
static void parked_needs_futex_and_a_shared_instance(void **state)
{
	struct lw_stall futex = blocked_in("futex", LW_CAUSE_BLOCKED);
	struct lw_stall waitv = blocked_in("futex_waitv", LW_CAUSE_BLOCKED);
	struct lw_stall sleep = blocked_in("clock_nanosleep", LW_CAUSE_BLOCKED);
	struct lw_stall cpu = blocked_in("", LW_CAUSE_CPU);
	struct lw_stall runq = blocked_in("", LW_CAUSE_RUNQUEUE);

	(void)state;
	assert_int_equal(lw_stall_kind_of(&futex, true), LW_KIND_PARKED);
	assert_int_equal(lw_stall_kind_of(&waitv, true), LW_KIND_PARKED);
	assert_int_equal(lw_stall_kind_of(&futex, false), LW_KIND_LOOP);
	assert_int_equal(lw_stall_kind_of(&sleep, true), LW_KIND_LOOP);
	assert_int_equal(lw_stall_kind_of(&cpu, true), LW_KIND_LOOP);
	assert_int_equal(lw_stall_kind_of(&runq, true), LW_KIND_LOOP);
	assert_string_equal(lw_stall_kind_name(LW_KIND_PARKED), "parked");
	assert_string_equal(lw_stall_kind_name(LW_KIND_LOOP), "loop");
}

static void loop_thread(struct lw_thread_snap *s, uint32_t pid, uint32_t tid, int32_t epfd, bool exited)
{
	memset(s, 0, sizeof(*s));
	s->tid = tid;
	s->t.pid = pid;
	s->t.start_time = tid;
	s->t.proc_start_time = 1000 + pid;
	s->t.epfd = epfd;
	s->t.exited = exited;
}

/* Shared: another live thread of the same process last waited on the same
 * epoll fd. An fd number of another process, an exited thread, a thread not
 * in the snapshot: not shared. */
static void shared_wait_is_per_process_and_live(void **state)
{
	struct lw_thread_snap *s = calloc(6, sizeof(*s));
	struct lw_model m;

	(void)state;
	lw_model_init(&m);
	loop_thread(&s[0], 50, 51, 5, false);
	loop_thread(&s[1], 50, 52, 5, false);
	loop_thread(&s[2], 50, 53, 9, false);
	loop_thread(&s[3], 50, 54, 9, true);	/* exited */
	loop_thread(&s[4], 50, 55, -1, false);	/* not in an epoll wait yet */
	loop_thread(&s[5], 60, 61, 5, false);	/* fd 5 of another process */
	assert_int_equal(lw_model_apply_threads(&m, s, 6, 0), 0);
	assert_true(lw_model_shared_wait(&m, 50, 51));
	assert_true(lw_model_shared_wait(&m, 50, 52));
	assert_false(lw_model_shared_wait(&m, 50, 53));
	assert_false(lw_model_shared_wait(&m, 60, 61));
	assert_false(lw_model_shared_wait(&m, 50, 55));
	assert_false(lw_model_shared_wait(&m, 50, 99));
	assert_false(lw_model_shared_wait(&m, 60, 51));	/* tid of another pid */
	lw_model_free(&m);
}

/* One interval of pid 50 (no runtime recognised): thread 51 lagged 300 ms
 * with stalls of kind k51, thread 53 lagged 20 ms with one loop stall. */
static void parked_interval(struct lw_model *m, uint64_t e, const enum lw_stall_kind *k51, int n51)
{
	struct lw_thread_snap *s = calloc(2, sizeof(*s));
	struct lw_stall st = blocked_in("futex", LW_CAUSE_BLOCKED);

	busy_thread(&s[0], 50, 51, e);
	busy_thread(&s[1], 50, 53, e);
	s[1].t.max_lag_ns[e & 1] = 20 * MS;
	/* thread 53's loop stall first: the kinds are kept unsorted */
	st.kind = LW_KIND_LOOP;
	assert_true(lw_model_add_stall(m, 50, 53, "p50", &st));
	for (int i = 0; i < n51; i++) {
		st.kind = k51[i];
		assert_true(lw_model_add_stall(m, 50, 51, "p50", &st));
	}
	assert_int_equal(lw_model_apply_threads(m, s, 2, e), 0);
}

/* loop_lag skips a thread whose stalls were all parks; the summary still
 * shows its lag and counts its stalls, parked ones apart. One loop stall
 * of the thread in an interval and it counts again. */
static void loop_lag_skips_parked_threads(void **state)
{
	static const enum lw_stall_kind parked[2] = { LW_KIND_PARKED, LW_KIND_PARKED };
	static const enum lw_stall_kind mixed[2] = { LW_KIND_PARKED, LW_KIND_LOOP };
	struct fake_rt f = { 0 };
	struct lw_alert_cfg cfg;
	struct lw_alerts a;
	struct lw_model m;
	struct lw_rule_input in;
	unsigned int fired[2] = { 0 };
	struct lw_proc *p;
	uint64_t e = 0;

	(void)state;
	model_init(&m, &f);
	lw_alert_cfg_defaults(&cfg, NULL);
	lw_alerts_init(&a, &cfg);
	for (; e < 5; e++) {
		parked_interval(&m, e, parked, 2);
		p = lw_model_find(&m, 50);
		assert_int_equal(p->iv.lag_max_ns, 300 * MS);
		assert_int_equal(p->iv.parked_threads, 1);
		assert_int_equal(p->iv.loop_lag_max_ns, 20 * MS);
		assert_int_equal(p->iv.parked_stalls, 2);
		assert_int_equal(p->iv.stalls_by_cause[LW_CAUSE_BLOCKED], 3);
		lw_rule_input(LW_RULE_LOOP_LAG, &p->iv, &cfg, &in);
		assert_true(in.value < 21 && !in.over);
		assert_int_equal(lw_alerts_evaluate(&a, &m, collect, fired), 0);
		lw_model_end_interval(&m);
	}
	assert_int_equal(fired[1], 0);
	for (; e < 8; e++) {
		parked_interval(&m, e, mixed, 2);
		p = lw_model_find(&m, 50);
		assert_int_equal(p->iv.parked_threads, 0);
		lw_rule_input(LW_RULE_LOOP_LAG, &p->iv, &cfg, &in);
		assert_true(in.over);
		assert_int_equal(lw_alerts_evaluate(&a, &m, collect, fired), 0);
		lw_model_end_interval(&m);
	}
	assert_int_equal(fired[1], 1);
	lw_alerts_free(&a);
	lw_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(go_note_section),
		cmocka_unit_test(go_buildinfo_section),
		cmocka_unit_test(go_note_without_section_headers),
		cmocka_unit_test(plain_binary_is_other),
		cmocka_unit_test(elf_alone_never_says_tokio),
		cmocka_unit_test(bad_files_are_other),
		cmocka_unit_test(cached_by_executable_and_rechecked_on_exec),
		cmocka_unit_test(cache_is_bounded),
		cmocka_unit_test(tokio_decided_by_the_waiting_thread),
		cmocka_unit_test(names_and_reasons),
		cmocka_unit_test(go_process_has_no_loop_figures),
		cmocka_unit_test(go_process_gets_no_loop_lag_alert),
		cmocka_unit_test(summary_names_the_runtime),
		cmocka_unit_test(comm_change_and_recheck_classify_again),
		cmocka_unit_test(tokio_classified_by_a_waiting_thread),
		cmocka_unit_test(go_undrained_et_is_not_reported),
		cmocka_unit_test(parked_needs_futex_and_a_shared_instance),
		cmocka_unit_test(shared_wait_is_per_process_and_live),
		cmocka_unit_test(loop_lag_skips_parked_threads),
		cmocka_unit_test(textfile_names_the_runtime),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}

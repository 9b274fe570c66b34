// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "model/runtime.h"

/* What the kernel keeps (15 bytes) of tokio's default name of its worker
 * and blocking-pool threads, "tokio-runtime-worker". */
#define TOKIO_COMM "tokio-runtime-w"

/* Bounds on what a hostile ELF can make the agent walk. */
#define MAX_SECTIONS 4096
#define MAX_PHDRS 256

static const char *const rt_names[LW_RT_MAX] = {
	[LW_RT_OTHER] = "other",
	[LW_RT_GO] = "go",
	[LW_RT_TOKIO] = "tokio",
};

const char *lw_runtime_name(enum lw_runtime rt)
{
	return (unsigned int)rt < LW_RT_MAX ? rt_names[rt] : "other";
}

const char *lw_runtime_reason(enum lw_runtime rt)
{
	switch (rt) {
	case LW_RT_GO:
		return "go scheduler: any thread may poll the netpoller and idle threads park in futex";
	case LW_RT_TOKIO:
		return "work-stealing pool: workers park while another holds the I/O driver";
	default:
		return NULL;
	}
}

void lw_rt_cache_init(struct lw_rt_cache *c, const char *proc_root)
{
	memset(c, 0, sizeof(*c));
	c->proc = proc_root ? proc_root : "/proc";
}

/* A note of owner "Go" (namesz 3 or 4, the Go linker pads it with NULs). */
static bool go_note(Elf *e, const GElf_Phdr *ph)
{
	Elf_Data *d;
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off, next;

	if (!ph->p_filesz || ph->p_filesz > (1u << 20))
		return false;
	d = elf_getdata_rawchunk(e, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	if (!d || !d->d_buf)
		return false;
	while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;

		if ((nh.n_namesz == 3 || nh.n_namesz == 4) && name_off + nh.n_namesz <= d->d_size &&
		    !memcmp(name, "Go", 2) && name[2] == '\0')
			return true;
		off = next;
	}
	return false;
}

static enum lw_rt_elf elf_verdict(Elf *e)
{
	size_t shstrndx, phnum, nscn = 0;
	Elf_Scn *scn = NULL;

	if (elf_kind(e) != ELF_K_ELF)
		return LW_ELF_OTHER;
	if (!elf_getshdrstrndx(e, &shstrndx)) {
		while ((scn = elf_nextscn(e, scn)) && nscn++ < MAX_SECTIONS) {
			GElf_Shdr sh;
			const char *name;

			if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(e, shstrndx, sh.sh_name)))
				continue;
			if (!strcmp(name, ".note.go.buildid") || !strcmp(name, ".go.buildinfo"))
				return LW_ELF_GO;
		}
	}
	/* without section headers (sstrip), the note is still in a PT_NOTE */
	if (!elf_getphdrnum(e, &phnum)) {
		for (size_t i = 0; i < phnum && i < MAX_PHDRS; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_NOTE && go_note(e, &ph))
				return LW_ELF_GO;
		}
	}
	return LW_ELF_OTHER;
}

enum lw_rt_elf lw_rt_elf_fd(int fd)
{
	static bool inited;
	enum lw_rt_elf v;
	Elf *e;

	if (!inited) {
		if (elf_version(EV_CURRENT) == EV_NONE)
			return LW_ELF_OTHER;
		inited = true;
	}
	/* read, not mapped: a file cut short while we look (a rebuild in
	 * place) must not SIGBUS the agent */
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e)
		return LW_ELF_OTHER;
	v = elf_verdict(e);
	elf_end(e);
	return v;
}

enum lw_rt_elf lw_rt_elf_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	enum lw_rt_elf v;

	if (fd < 0)
		return LW_ELF_OTHER;
	v = lw_rt_elf_fd(fd);
	close(fd);
	return v;
}

bool lw_rt_tokio_thread(const char *proc_root, uint32_t pid, uint32_t tid)
{
	char path[128], name[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%u/task/%u/comm", proc_root, pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, name, sizeof(name) - 1);
	close(fd);
	return n >= (ssize_t)sizeof(TOKIO_COMM) - 1 &&
	       !memcmp(name, TOKIO_COMM, sizeof(TOKIO_COMM) - 1);
}

/* The identity without waiting on the file system: AT_STATX_DONT_SYNC lets
 * FUSE and NFS answer from their caches. */
static int exe_id(const struct lw_rt_cache *c, uint32_t pid, struct lw_exe_id *id)
{
	char path[64];
	struct statx st;

	snprintf(path, sizeof(path), "%s/%u/exe", c->proc, pid);
	if (statx(AT_FDCWD, path, AT_STATX_DONT_SYNC, STATX_INO | STATX_MTIME | STATX_TYPE, &st))
		return -errno;
	if (!S_ISREG(st.stx_mode))
		return -ENOEXEC;
	id->dev = ((uint64_t)st.stx_dev_major << 32) | st.stx_dev_minor;
	id->ino = st.stx_ino;
	id->mtime_ns = (int64_t)st.stx_mtime.tv_sec * 1000000000 + st.stx_mtime.tv_nsec;
	return 0;
}

static bool same_id(const struct lw_exe_id *a, const struct lw_exe_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->mtime_ns == b->mtime_ns;
}

static enum lw_rt_elf cached_elf(struct lw_rt_cache *c, uint32_t pid, const struct lw_exe_id *id)
{
	struct lw_rt_entry *slot = NULL;
	char path[64];

	for (size_t i = 0; i < c->n; i++) {
		if (same_id(&c->e[i].id, id)) {
			c->e[i].used = ++c->clock;
			c->hits++;
			return c->e[i].elf;
		}
	}
	if (c->n < LW_RT_CACHE) {
		slot = &c->e[c->n++];
	} else {
		slot = &c->e[0];
		for (size_t i = 1; i < c->n; i++)
			if (c->e[i].used < slot->used)
				slot = &c->e[i];
	}
	snprintf(path, sizeof(path), "%s/%u/exe", c->proc, pid);
	slot->id = *id;
	slot->elf = lw_rt_elf_path(path);
	slot->used = ++c->clock;
	c->elf_reads++;
	return slot->elf;
}

unsigned int lw_rt_classify(struct lw_rt_cache *c, uint32_t pid, uint32_t tid,
			    struct lw_exe_id *id, enum lw_runtime *rt)
{
	struct lw_exe_id now = { 0 };
	unsigned int flags = 0;
	enum lw_rt_elf elf;

	if (exe_id(c, pid, &now)) {
		/* gone, a kernel thread, or not ours to read: taken as loops */
		if (!same_id(&now, id))
			flags |= LW_RT_F_NEW;
		*id = now;
		*rt = LW_RT_OTHER;
		return flags;
	}
	if (!same_id(&now, id))
		flags |= LW_RT_F_NEW;
	else if (!tid && (id->dev || id->ino))
		return 0;	/* the same executable: the verdict stands */
	*id = now;
	elf = cached_elf(c, pid, &now);
	if (elf == LW_ELF_GO) {
		*rt = LW_RT_GO;
	} else {
		/* one small procfs read, once per process: the first thread seen
		 * in a wait call is a tokio worker or it is not */
		*rt = tid && lw_rt_tokio_thread(c->proc, pid, tid) ? LW_RT_TOKIO : LW_RT_OTHER;
		if (!tid)
			flags |= LW_RT_F_NEED_TID;
	}
	return flags;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Life cycle of the BPF side: checks, open, configure, load, attach, read. */
#ifndef LOOPWATCH_PROBES_H
#define LOOPWATCH_PROBES_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/detections.h"
#include "model/model.h"
#include "settings/options.h"

struct loopwatch_bpf;
struct ring_buffer;
struct bpf_link;

#define LW_MAX_LINKS 64
#define LW_MAX_DETAIL 12

/* The hooks of the detail tier, attached only while a symptom is present
 * (agent/model/tier.h): the per-packet ones, sched_waking (a wake-up a
 * request on a busy server), and epoll_ctl, which a server that toggles
 * EPOLLOUT calls twice a request (its registrations are read from /proc at
 * each engage instead). Everything else is always on. */
#define LW_DETAIL_HOOKS                                                                 \
	((1u << LW_HK_DATA_READY) | (1u << LW_HK_RECV) | (1u << LW_HK_SEND) |            \
	 (1u << LW_HK_SENDMSG) | (1u << LW_HK_CTL) | (1u << LW_HK_WAKING))

typedef int (*lw_event_fn)(void *ctx, void *data, size_t len);

struct lw_probes {
	struct loopwatch_bpf *skel;
	struct ring_buffer *rb;		/* stack records, then the others */
	int *sample_fds;		/* cpu-clock perf events, one per CPU */
	struct bpf_link **sample_links;
	int nsample;
	struct bpf_link *links[LW_MAX_LINKS];
	struct bpf_link *bp_sweep[3];	/* task_file, tcp, udp: run by agent/kernel/probes_bp.c */
	unsigned int attached, skipped;
	/* the detail tier's programs stay loaded; only their links come and go */
	struct bpf_program *detail_progs[LW_MAX_DETAIL];
	struct bpf_link *detail_links[LW_MAX_DETAIL];
	int detail_pfd[LW_MAX_DETAIL];	/* a system call tracepoint's perf event
					 * (agent/kernel/probes_tpevent.h); -1 */
	unsigned int ndetail;
	bool detail_on;
	uint32_t era;		/* engages so far: the hand-over's lw_rd_era */
	/* what the kernel allowed: hooks on and the path of each, families on */
	struct lw_hook_state hooks[LW_HK_MAX];
	uint32_t families, asked;
	char family_why[LW_FAMILIES][LW_WHY_LEN];
	char kernel[65];
	uint64_t *missed_seen;	/* each program's recursion misses, last read */
	size_t nmissed;
};

/* Returns 0, or a negative errno after logging one line that names what is
 * missing (privilege, BTF, tracefs, a tracepoint); -EPERM/-ENOTSUP/-ENOENT
 * mean the host lacks something (exit 1). */
int lw_probes_start(struct lw_probes *p, const struct lw_options *o, lw_event_fn fn, void *ctx);
void lw_probes_stop(struct lw_probes *p);
/* Make (on) or destroy the detail tier's links. A program that will not
 * attach is left off, with a warning; returns how many are attached. */
unsigned int lw_probes_detail(struct lw_probes *p, bool on);
/* What each detection can do with what the kernel allowed. */
void lw_probes_detections(const struct lw_probes *p, struct lw_detections *out);
int lw_probes_ring_fd(const struct lw_probes *p);
int lw_probes_poll(struct lw_probes *p);
/* Start a new epoch for per-interval maxima; returns the one that ended. */
uint64_t lw_probes_next_epoch(struct lw_probes *p);
void lw_probes_set_stall_ms(struct lw_probes *p, unsigned int ms);
/* Snapshot of the thread map (malloc()ed, caller owns). */
int lw_probes_read_threads(struct lw_probes *p, struct lw_thread_snap **out, size_t *n);
/* Kernel-side counter summed over CPUs (enum lw_stat). */
uint64_t lw_probes_stat(struct lw_probes *p, unsigned int idx);
/* Program runs the kernel skipped since the last call (agent/kernel/
 * probes_missed.c); *most names the program that missed the most, or NULL. */
uint64_t lw_probes_missed(struct lw_probes *p, const char **most);

#endif

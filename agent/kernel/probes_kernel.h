/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers the probes, read from its BTF and tracefs
 * and, for fentry, by attaching an empty program: the choices the loader
 * makes before load rest on these, never on the version number.
 */
#ifndef LOOPWATCH_PROBES_KERNEL_H
#define LOOPWATCH_PROBES_KERNEL_H

#include <stdbool.h>

struct btf;

struct lw_kernel {
	struct btf *btf;		/* vmlinux */
	char release[65];
	bool fentry;			/* an fentry program attaches to do_epoll_wait */
	bool kprobes;			/* the kernel has the kprobe PMU */
	bool task_storage;		/* BPF_MAP_TYPE_TASK_STORAGE (5.11) */
	bool helper_loop;		/* bpf_loop (5.17) */
	bool helper_task_btf;		/* bpf_get_current_task_btf (5.11) */
	bool helper_sock_from_file;	/* bpf_sock_from_file (5.11) */
	int switch_nargs;		/* sched_switch: 4 since 5.18 */
	int kfree_skb_nargs;		/* kfree_skb: 3 since 5.17, 4 since 6.11 */
	int retransmit_nargs;		/* tcp_retransmit_skb: 3 since 6.17 */
	bool epoll_timeout_ms;		/* do_epoll_wait took milliseconds (before 5.11) */
	char fentry_why[160];		/* why fentry is refused, when it is */
};

/* 0, or a negative errno when the kernel's BTF cannot be read. */
int lw_kernel_probe(struct lw_kernel *k);
void lw_kernel_free(struct lw_kernel *k);
/* Does the hook a program's section names exist on this kernel? why gets
 * what is missing when not. */
bool lw_kernel_has_hook(const struct lw_kernel *k, const char *section, char *why, size_t len);

#endif

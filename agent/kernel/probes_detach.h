/* SPDX-License-Identifier: GPL-2.0 */
/* Detaching many BPF links quickly (SIGTERM must end the agent within a second). */
#ifndef LOOPWATCH_PROBES_DETACH_H
#define LOOPWATCH_PROBES_DETACH_H

struct bpf_link;

/* Destroy links[0..n) and set them to NULL. */
void lw_links_destroy(struct bpf_link **links, unsigned int n);

#endif

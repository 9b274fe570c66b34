// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/probes_connect.h"
#include "loopwatch.skel.h"

/* Every entry of a hash map of at most max entries, each as its key then
 * its value (no padding between: the snap structs are laid out so). An
 * entry gone between the key and the lookup ends the walk: what is left is
 * read the next interval, the counts being running totals. */
static int dump(int fd, size_t max, size_t ksz, size_t stride, void **out, size_t *n)
{
	char *buf = calloc(max ? max : 1, stride), *prev = NULL;
	size_t cnt = 0;

	if (!buf)
		return -ENOMEM;
	while (cnt < max && bpf_map_get_next_key(fd, prev, buf + cnt * stride) == 0) {
		char *k = buf + cnt * stride;

		if (bpf_map_lookup_elem(fd, k, k + ksz))
			break;
		prev = k;
		cnt++;
	}
	*out = buf;
	*n = cnt;
	return 0;
}

int lw_cn_read_remotes(struct lw_probes *p, const struct lw_model *m, struct lw_cn_snap **out,
		       size_t *n)
{
	int fd = bpf_map__fd(p->skel->maps.lw_cn_remotes);
	void *buf;
	int err = dump(fd, LW_CN_MAX_REMOTES, sizeof(struct lw_cn_key),
		       sizeof(struct lw_cn_snap), &buf, n);

	if (err)
		return err;
	*out = buf;
	for (size_t i = 0; m->pid_alive && i < *n; i++)
		if (!m->pid_alive((*out)[i].key.pid, (*out)[i].c.start_time))
			bpf_map_delete_elem(fd, &(*out)[i].key);
	return 0;
}

int lw_cn_read_ports(struct lw_probes *p, struct lw_port_snap **out, size_t *n)
{
	void *buf;
	int err = dump(bpf_map__fd(p->skel->maps.lw_cn_ports), LW_CN_MAX_TUPLES,
		       sizeof(struct lw_port_key), sizeof(struct lw_port_snap), &buf, n);

	if (!err)
		*out = buf;
	return err;
}

void lw_cn_forget_ports(struct lw_probes *p, const struct lw_port_snap *s, const size_t *idx,
			size_t n)
{
	int fd = bpf_map__fd(p->skel->maps.lw_cn_ports);

	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &s[idx[i]].key);
}

// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "util/log.h"
#include "util/privs.h"

#define BIT(c) (1ull << (c))

/* /proc/<pid>/fd and friends of processes of other users: ptrace access
 * mode read, and the directory permissions of /proc/<pid>. */
static uint64_t keep_mask = BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH);

void lw_privs_keep(int cap)
{
	if (cap >= 0 && cap < 64)
		keep_mask |= BIT(cap);
}

static int cap_get(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	/* zeroed: valgrind takes capget to fill only the first (32 capabilities) */
	struct __user_cap_data_struct d[2] = { { 0 }, { 0 } };

	if (syscall(SYS_capget, &h, d))
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	return 0;
}

static int cap_set(uint64_t caps)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)caps, .permitted = (uint32_t)caps },
		{ .effective = (uint32_t)(caps >> 32), .permitted = (uint32_t)(caps >> 32) },
	};

	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

static bool in_groups(gid_t gid)
{
	gid_t groups[256];
	int n = getgroups(256, groups);

	if (gid == getegid())
		return true;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

uint64_t lw_privs_dir_needs(const char *path)
{
	char dir[PATH_MAX];
	const char *slash;
	struct stat st;
	mode_t want;

	if (!path)
		return 0;
	slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	/* a missing directory needs nothing we could keep */
	if (stat(dir, &st))
		return 0;
	/* the kernel's own check without capabilities: owner, group, other */
	if (st.st_uid == geteuid())
		want = S_IWUSR | S_IXUSR;
	else if (in_groups(st.st_gid))
		want = S_IWGRP | S_IXGRP;
	else
		want = S_IWOTH | S_IXOTH;
	return (st.st_mode & want) == want ? 0 : BIT(CAP_DAC_OVERRIDE);
}

static void names(uint64_t caps, char *out, size_t len)
{
	static const struct {
		int cap;
		const char *name;
	} known[] = {
		{ CAP_DAC_OVERRIDE, "cap_dac_override" }, { CAP_DAC_READ_SEARCH, "cap_dac_read_search" },
		{ CAP_SYS_PTRACE, "cap_sys_ptrace" }, { CAP_SYS_ADMIN, "cap_sys_admin" },
		{ CAP_BPF, "cap_bpf" }, { CAP_PERFMON, "cap_perfmon" }, { CAP_KILL, "cap_kill" },
		{ CAP_SYS_RESOURCE, "cap_sys_resource" }, { CAP_NET_ADMIN, "cap_net_admin" },
		{ CAP_SYSLOG, "cap_syslog" },
	};
	size_t o = 0;

	out[0] = '\0';
	for (int c = 0; c < 64 && o < len; c++) {
		const char *name = NULL;
		char num[16];
		int n;

		if (!(caps & BIT(c)))
			continue;
		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (known[i].cap == c)
				name = known[i].name;
		if (!name) {
			snprintf(num, sizeof(num), "cap_%d", c);
			name = num;
		}
		n = snprintf(out + o, len - o, "%s%s", o ? "," : "", name);
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	if (!out[0])
		snprintf(out, len, "none");
}

int lw_privs_drop(const char *prom_file)
{
	uint64_t eff = 0, prm = 0, keep;
	bool bounded = true;
	char kept[256];
	int err, last = last_cap();

	err = cap_get(&eff, &prm);
	if (err) {
		lw_warn("failed to read capabilities, keeping them: %s", strerror(-err));
		return err;
	}
	keep = (keep_mask | lw_privs_dir_needs(prom_file)) & prm;
	/* As root, execve() hands a program the whole bounding set again: shrink
	 * it too, so an --alert-exec command cannot get back what we dropped. */
	for (int c = 0; c <= last; c++) {
		if (keep & BIT(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL) {
			bounded = false;
			break;
		}
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	err = cap_set(keep);
	if (err) {
		lw_warn("failed to drop capabilities, keeping them: %s", strerror(-err));
		return err;
	}
	names(keep, kept, sizeof(kept));
	lw_info("dropped privileges after attaching: capabilities left: %s%s", kept,
		bounded ? "" : " (bounding set unchanged: no CAP_SETPCAP; commands run by --alert-exec as root get them back)");
	return 0;
}

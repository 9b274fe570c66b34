/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dropping privileges once the probes are attached. Maps and ring buffers are
 * read through file descriptors already open, which needs no capability; what
 * stays is what the agent still does as it runs: reading /proc of other users'
 * processes and, when its directory needs it, writing the textfile.
 */
#ifndef LOOPWATCH_PRIVS_H
#define LOOPWATCH_PRIVS_H

#include <stddef.h>
#include <stdint.h>

/* Ask to keep a capability (CAP_* from <linux/capability.h>) past the drop:
 * for code that needs one at run time. Call before lw_privs_drop(). */
void lw_privs_keep(int cap);
/* Reduce the effective, permitted, inheritable, ambient and bounding sets to
 * what is still needed (see above); prom_file may be NULL. Logs one line
 * saying what was kept. Returns 0 or -errno (then nothing was dropped). */
int lw_privs_drop(const char *prom_file);
/* Capabilities (a CAP_* bit mask) the textfile's directory needs for our
 * effective uid and groups to create a file in it: 0 or CAP_DAC_OVERRIDE. */
uint64_t lw_privs_dir_needs(const char *path);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel frames' names: the text symbols of the kernel and its modules from
 * /proc/kallsyms ("addr type name [module]"), in one arena. kallsyms gives
 * no sizes: a symbol ends where the next begins. A reader without
 * CAP_SYSLOG sees only zero addresses, which name nothing.
 */
#ifndef LOOPWATCH_STACKS_KSYMS_H
#define LOOPWATCH_STACKS_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct lw_ksyms;

/* Never NULL but when out of memory; empty when the file is unreadable. */
struct lw_ksyms *lw_ksyms_load(const char *path);
void lw_ksyms_free(struct lw_ksyms *k);
/* "name+0xoff (kernel)", "name+0xoff (module)", or "0xaddr (kernel)". */
void lw_ksyms_name(const struct lw_ksyms *k, uint64_t addr, char *out, size_t len);

#endif

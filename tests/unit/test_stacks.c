// SPDX-License-Identifier: GPL-2.0
/*
 * The stacks of stalls: which capture a blocked stall gets, how samples
 * are counted (synthetic records, a fake unwinder), and the unwinder itself
 * on this test's own stack and symbols (the rule: a frame is named only by
 * a symbol that contains its address, checked against libelf's reading of
 * this executable's .symtab).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <gelf.h>
#include <ucontext.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/stacks.h"
#include "model/stacks_ksyms.h"

#define MS 1000000ull
#define W1 (1000 * MS)
#define W2 (2000 * MS)

/* The fake unwinder: frame 0 is "fn<regs[0]>+0x<regs[1]> (m)", then main. */
static unsigned int fake_unwind(void *ctx, const struct lw_stk_capture *c, struct lw_stack *user,
				struct lw_stack *kernel)
{
	(void)ctx;
	snprintf(user->frame[0], LW_FRAME_LEN, "fn%llu+0x%llx (m)", (unsigned long long)c->regs[0],
		 (unsigned long long)c->regs[1]);
	snprintf(user->frame[1], LW_FRAME_LEN, "main+0x10 (m)");
	user->n = 2;
	if (kernel && c->k_len) {
		snprintf(kernel->frame[0], LW_FRAME_LEN, "schedule+0x22 (kernel)");
		kernel->n = 1;
	}
	return user->n;
}

static struct lw_stk_capture *cap(uint32_t tid, uint64_t window, uint32_t seq, uint16_t kind,
				  uint64_t fn, uint64_t off, uint64_t ts)
{
	static struct lw_stk_capture c;

	memset(&c, 0, sizeof(c));
	c.hdr.type = LW_STK_CAPTURE;
	c.hdr.size = sizeof(c);
	c.hdr.pid = 100;
	c.hdr.tid = tid;
	c.hdr.ts_ns = ts;
	c.window_ns = window;
	c.seq = seq;
	c.kind = kind;
	c.regs[0] = fn;
	c.regs[1] = off;
	c.k_len = kind == LW_STK_KIND_SLEEP ? 8 : 0;
	return &c;
}

static void slept(struct lw_stacks *st, uint32_t tid, uint64_t window, uint32_t seq, uint64_t ns)
{
	struct lw_stk_slept e = { .hdr = { .type = LW_STK_SLEPT, .size = sizeof(e), .pid = 100,
					   .tid = tid },
				  .window_ns = window, .seq = seq, .slept_ns = ns };

	assert_int_equal(lw_stacks_add(st, &e, sizeof(e)), 0);
}

static void add(struct lw_stacks *st, const struct lw_stk_capture *c)
{
	assert_int_equal(lw_stacks_add(st, c, sizeof(*c)), 0);
}

static void blocked_stall_gets_the_longest_sleep(void **state)
{
	struct lw_stacks st;
	static struct lw_stall_stacks out;

	(void)state;
	assert_int_equal(lw_stacks_init(&st, fake_unwind, NULL), 0);
	add(&st, cap(10, W1, 1, LW_STK_KIND_SLEEP, 1, 0x10, W1 + 1 * MS));
	slept(&st, 10, W1, 1, 5 * MS);
	add(&st, cap(10, W1, 2, LW_STK_KIND_SLEEP, 2, 0x20, W1 + 7 * MS));
	slept(&st, 10, W1, 2, 90 * MS);
	add(&st, cap(10, W1, 3, LW_STK_KIND_SLEEP, 3, 0x30, W1 + 98 * MS));
	slept(&st, 10, W1, 3, 1 * MS);
	assert_true(lw_stacks_for_window(&st, 10, W1, true, W1 + 100 * MS, true, &out));
	assert_int_equal(out.user.n, 2);
	assert_string_equal(out.user.frame[0], "fn2+0x20 (m)");
	assert_int_equal(out.kernel.n, 1);
	assert_int_equal(out.samples, 0);
	/* the window is done: its records are let go */
	assert_false(lw_stacks_for_window(&st, 10, W1, true, W1 + 100 * MS, true, &out));
	lw_stacks_free(&st);
}

static void a_sleep_in_progress_counts_as_long_as_it_has_lasted(void **state)
{
	struct lw_stacks st;
	static struct lw_stall_stacks out;

	(void)state;
	assert_int_equal(lw_stacks_init(&st, fake_unwind, NULL), 0);
	add(&st, cap(10, W1, 1, LW_STK_KIND_SLEEP, 1, 0x10, W1 + 1 * MS));
	slept(&st, 10, W1, 1, 20 * MS);
	add(&st, cap(10, W1, 2, LW_STK_KIND_SLEEP, 2, 0x20, W1 + 30 * MS));
	/* 10 ms into the second sleep: the first, 20 ms, is longer */
	assert_true(lw_stacks_for_window(&st, 10, W1, true, W1 + 40 * MS, false, &out));
	assert_string_equal(out.user.frame[0], "fn1+0x10 (m)");
	/* 50 ms into it: the second; not done, so the records stay */
	assert_true(lw_stacks_for_window(&st, 10, W1, true, W1 + 80 * MS, false, &out));
	assert_string_equal(out.user.frame[0], "fn2+0x20 (m)");
	assert_true(lw_stacks_for_window(&st, 10, W1, true, W1 + 80 * MS, true, &out));
	lw_stacks_free(&st);
}

static void other_windows_and_threads_get_nothing(void **state)
{
	struct lw_stacks st;
	static struct lw_stall_stacks out;

	(void)state;
	assert_int_equal(lw_stacks_init(&st, fake_unwind, NULL), 0);
	add(&st, cap(10, W1, 1, LW_STK_KIND_SLEEP, 1, 0x10, W1 + 1 * MS));
	add(&st, cap(10, W1, 2, LW_STK_KIND_SAMPLE, 1, 0x10, W1 + 1 * MS));
	assert_false(lw_stacks_for_window(&st, 10, W2, true, W2 + 100 * MS, true, &out));
	assert_false(lw_stacks_for_window(&st, 11, W1, true, W1 + 100 * MS, true, &out));
	assert_false(lw_stacks_for_window(&st, 11, W1, false, W1 + 100 * MS, true, &out));
	assert_int_equal(out.user.n, 0);
	/* a blocked stall without a capture falls back to the samples */
	lw_stacks_free(&st);
	assert_int_equal(lw_stacks_init(&st, fake_unwind, NULL), 0);
	add(&st, cap(10, W1, 2, LW_STK_KIND_SAMPLE, 4, 0x10, W1 + 30 * MS));
	assert_true(lw_stacks_for_window(&st, 10, W1, true, W1 + 100 * MS, true, &out));
	assert_string_equal(out.user.frame[0], "fn4+0x10 (m)");
	assert_int_equal(out.samples, 1);
	lw_stacks_free(&st);
}

static void cpu_stall_gets_the_most_frequent_sampled_stack(void **state)
{
	struct lw_stacks st;
	static struct lw_stall_stacks out;
	uint32_t seq = 1;

	(void)state;
	assert_int_equal(lw_stacks_init(&st, fake_unwind, NULL), 0);
	/* fn7 three times, at different offsets (one function), fn8 twice */
	add(&st, cap(10, W1, seq++, LW_STK_KIND_SAMPLE, 8, 0x4, W1 + 30 * MS));
	add(&st, cap(10, W1, seq++, LW_STK_KIND_SAMPLE, 7, 0x10, W1 + 40 * MS));
	add(&st, cap(10, W1, seq++, LW_STK_KIND_SAMPLE, 7, 0x18, W1 + 50 * MS));
	add(&st, cap(10, W1, seq++, LW_STK_KIND_SAMPLE, 8, 0x4, W1 + 60 * MS));
	add(&st, cap(10, W1, seq++, LW_STK_KIND_SAMPLE, 7, 0x10, W1 + 70 * MS));
	/* another window's and another thread's samples are not counted */
	add(&st, cap(10, W2, seq++, LW_STK_KIND_SAMPLE, 8, 0x4, W2 + 30 * MS));
	add(&st, cap(11, W1, seq++, LW_STK_KIND_SAMPLE, 8, 0x4, W1 + 30 * MS));
	assert_true(lw_stacks_for_window(&st, 10, W1, false, W1 + 100 * MS, true, &out));
	assert_int_equal(strncmp(out.user.frame[0], "fn7+", 4), 0);
	assert_int_equal(out.samples, 3);
	assert_int_equal(out.sampled, 5);
	assert_int_equal(out.kernel.n, 0);
	assert_true(lw_stacks_for_window(&st, 10, W2, false, W2 + 100 * MS, true, &out));
	assert_int_equal(out.samples, 1);
	lw_stacks_free(&st);
}

static void many_distinct_stacks_still_count_the_top_one(void **state)
{
	struct lw_stacks st;
	static struct lw_stall_stacks out;
	uint32_t seq = 1;

	(void)state;
	assert_int_equal(lw_stacks_init(&st, fake_unwind, NULL), 0);
	for (uint64_t fn = 1; fn <= LW_STK_DISTINCT + 4; fn++)
		add(&st, cap(10, W1, seq++, LW_STK_KIND_SAMPLE, fn, 0, W1 + 30 * MS));
	for (int i = 0; i < 3; i++)
		add(&st, cap(10, W1, seq++, LW_STK_KIND_SAMPLE, 2, 0, W1 + 40 * MS));
	assert_true(lw_stacks_for_window(&st, 10, W1, false, W1 + 100 * MS, true, &out));
	assert_string_equal(out.user.frame[0], "fn2+0x0 (m)");
	assert_int_equal(out.samples, 4);
	assert_int_equal(out.sampled, LW_STK_DISTINCT + 4 + 3);
	lw_stacks_free(&st);
}

static void bounded_and_malformed(void **state)
{
	struct lw_stacks st;
	static struct lw_stall_stacks out;
	static struct lw_stk_capture c;
	struct lw_event_hdr h = { .type = 1, .size = sizeof(h) };

	(void)state;
	assert_int_equal(lw_stacks_init(&st, fake_unwind, NULL), 0);
	for (uint32_t i = 0; i < LW_STK_KEEP + 10; i++)
		add(&st, cap(10, W1 + i, 1, LW_STK_KIND_SLEEP, i, 0, W1 + i + 1));
	/* the oldest captures made room for the newest */
	assert_false(lw_stacks_for_window(&st, 10, W1, true, W2, true, &out));
	assert_true(lw_stacks_for_window(&st, 10, W1 + LW_STK_KEEP + 9, true, W2, true, &out));
	for (uint32_t i = 0; i < LW_STK_GROUPS + 5; i++)
		add(&st, cap(12, W1 + i, 1, LW_STK_KIND_SAMPLE, i, 0, W1 + i + 1));
	assert_false(lw_stacks_for_window(&st, 12, W1, false, W2, true, &out));
	assert_true(lw_stacks_for_window(&st, 12, W1 + LW_STK_GROUPS + 4, false, W2, true, &out));

	assert_false(lw_stacks_is_record(&h, sizeof(h)));
	assert_false(lw_stacks_is_record(&h, 4));
	memcpy(&c, cap(10, W1, 1, LW_STK_KIND_SLEEP, 1, 0, W1), sizeof(c));
	assert_int_equal(lw_stacks_add(&st, &c, sizeof(c) - 1), -EINVAL);
	c.stack_len = LW_STK_BYTES + 8;
	assert_int_equal(lw_stacks_add(&st, &c, sizeof(c)), -EINVAL);
	c.stack_len = 0;
	c.kind = 9;
	assert_int_equal(lw_stacks_add(&st, &c, sizeof(c)), -EINVAL);
	c.kind = LW_STK_KIND_SLEEP;
	c.hdr.size = 64;
	assert_int_equal(lw_stacks_add(&st, &c, sizeof(c)), -EINVAL);
	assert_int_equal(st.dropped, 4);
	lw_stacks_free(&st);
}

/* Kernel names from a kallsyms of our own: text symbols only, each ending
 * where the next begins; an unprivileged reader's zeroes name nothing. */
static void kernel_frames_named_by_kallsyms(void **state)
{
	char path[] = "/tmp/lw-test-kallsyms.XXXXXX", name[LW_FRAME_LEN];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct lw_ksyms *k;

	(void)state;
	assert_non_null(f);
	fputs("ffffffff81000000 T _stext\n"
	      "ffffffff81000100 t do_nanosleep\n"
	      "ffffffff81000180 D some_data\n"
	      "ffffffff81000200 t nft_do_chain\t[nf_tables]\n"
	      "ffffffff81000300 T schedule\n"
	      "0000000000000000 T hidden\n", f);
	fclose(f);
	k = lw_ksyms_load(path);
	unlink(path);
	assert_non_null(k);
	lw_ksyms_name(k, 0xffffffff81000150ull, name, sizeof(name));
	assert_string_equal(name, "do_nanosleep+0x50 (kernel)");
	/* data is no end: the text symbol runs on to the next text symbol */
	lw_ksyms_name(k, 0xffffffff810001c0ull, name, sizeof(name));
	assert_string_equal(name, "do_nanosleep+0xc0 (kernel)");
	lw_ksyms_name(k, 0xffffffff81000210ull, name, sizeof(name));
	assert_string_equal(name, "nft_do_chain+0x10 (nf_tables)");
	/* before the first and in the last (no end known): addresses */
	lw_ksyms_name(k, 0xffffffff80000000ull, name, sizeof(name));
	assert_string_equal(name, "0xffffffff80000000 (kernel)");
	lw_ksyms_name(k, 0xffffffff81000310ull, name, sizeof(name));
	assert_string_equal(name, "0xffffffff81000310 (kernel)");
	lw_ksyms_free(k);
}

/* The real unwinder, on this process. */

/* Size of a function of this executable, by libelf from its .symtab. */
static uint64_t symbol_size(const char *name, uint64_t *value)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	Elf *e;
	Elf_Scn *scn = NULL;
	uint64_t size = 0;

	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;

			if (gelf_getsym(d, (int)i, &s) &&
			    !strcmp(elf_strptr(e, sh.sh_link, s.st_name), name)) {
				size = s.st_size;
				*value = s.st_value;
			}
		}
	}
	elf_end(e);
	close(fd);
	return size;
}

__attribute__((noinline)) int probe_target(int x);
__attribute__((noinline)) int probe_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

static void frames_are_named_only_inside_their_symbol(void **state)
{
	struct lw_unwinder u;
	uint64_t value = 0, size = symbol_size("probe_target", &value);
	uint64_t at = (uint64_t)(uintptr_t)probe_target;
	char name[LW_FRAME_LEN], want[64];

	(void)state;
	assert_true(size > 1);
	assert_int_equal(probe_target(1), 4);
	lw_unwinder_init(&u);
	lw_unwinder_name(&u, (uint32_t)getpid(), at, name, sizeof(name));
	assert_string_equal(name, "probe_target+0x0 (test_stacks)");
	lw_unwinder_name(&u, (uint32_t)getpid(), at + size - 1, name, sizeof(name));
	snprintf(want, sizeof(want), "probe_target+0x%llx (test_stacks)",
		 (unsigned long long)(size - 1));
	assert_string_equal(name, want);
	/* one past its end is not probe_target, whatever is there */
	lw_unwinder_name(&u, (uint32_t)getpid(), at + size, name, sizeof(name));
	assert_int_not_equal(strncmp(name, "probe_target+", 13), 0);
	/* an address in no module */
	lw_unwinder_name(&u, (uint32_t)getpid(), 0x10, name, sizeof(name));
	assert_string_equal(name, "0x10 ([unknown])");
	lw_unwinder_free(&u);
}

/* A capture of this thread taken by hand: registers by getcontext, the
 * stack from sp up to the top of the [stack] mapping. */
__attribute__((noinline)) static uint64_t stack_top(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	unsigned long long lo, hi, top = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, "[stack]") && sscanf(line, "%llx-%llx", &lo, &hi) == 2)
			top = hi;
	if (f)
		fclose(f);
	return top;
}

static struct lw_stk_capture self_cap;
static uint64_t self_top;

/* Other frames' bytes, as the probe reads them: the sanitizer build would
 * take their redzones for overflows. */
__attribute__((no_sanitize_address, noinline)) static void copy_stack(uint8_t *dst, uintptr_t src,
								       size_t len)
{
	for (size_t i = 0; i < len; i++)
		dst[i] = ((volatile const uint8_t *)src)[i];
}

__attribute__((noinline)) void leaf_of_test(void);
__attribute__((noinline)) void leaf_of_test(void)
{
	static const int dwarf_of_greg[LW_STK_NREGS] = {
		REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP, REG_R8,
		REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP,
	};
	ucontext_t uc;
	uint64_t base, top = self_top, len;

	getcontext(&uc);
	for (int i = 0; i < LW_STK_NREGS; i++)
		self_cap.regs[i] = (uint64_t)uc.uc_mcontext.gregs[dwarf_of_greg[i]];
	base = self_cap.regs[LW_STK_REG_SP] & ~(uint64_t)(LW_STK_PAGE - 1);
	len = top > base ? top - base : 0;
	if (len > LW_STK_BYTES)
		len = LW_STK_BYTES;
	self_cap.stack_base = base;
	self_cap.stack_len = (uint32_t)len;
	copy_stack(self_cap.data, (uintptr_t)base, len);
	__asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void middle_of_test(void);
__attribute__((noinline)) void middle_of_test(void)
{
	leaf_of_test();
	__asm__ volatile("" ::: "memory");
}

static void unwinds_a_captured_stack_by_its_cfi(void **state)
{
	struct lw_unwinder u;
	static struct lw_stack user, kernel;
	bool leaf = false, middle = false;

	(void)state;
	memset(&self_cap, 0, sizeof(self_cap));
	self_cap.hdr.pid = (uint32_t)getpid();
	self_cap.hdr.tid = (uint32_t)gettid();
	self_cap.kind = LW_STK_KIND_SLEEP;
	self_top = stack_top();
	middle_of_test();
	assert_true(self_cap.stack_len > 0);
	lw_unwinder_init(&u);
	assert_true(lw_unwind(&u, &self_cap, &user, &kernel) >= 3);
	for (unsigned int i = 0; i < user.n; i++) {
		print_message("  %s\n", user.frame[i]);
		leaf |= !strncmp(user.frame[i], "leaf_of_test+", 13) && i == 0;
		middle |= !strncmp(user.frame[i], "middle_of_test+", 15) && leaf;
	}
	assert_true(leaf);
	assert_true(middle);
	assert_int_equal(kernel.n, 0);
	lw_unwinder_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(blocked_stall_gets_the_longest_sleep),
		cmocka_unit_test(a_sleep_in_progress_counts_as_long_as_it_has_lasted),
		cmocka_unit_test(other_windows_and_threads_get_nothing),
		cmocka_unit_test(cpu_stall_gets_the_most_frequent_sampled_stack),
		cmocka_unit_test(many_distinct_stacks_still_count_the_top_one),
		cmocka_unit_test(bounded_and_malformed),
		cmocka_unit_test(kernel_frames_named_by_kallsyms),
		cmocka_unit_test(frames_are_named_only_inside_their_symbol),
		cmocka_unit_test(unwinds_a_captured_stack_by_its_cfi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

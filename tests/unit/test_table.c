// SPDX-License-Identifier: GPL-2.0
/*
 * The option table (agent/settings/table.c) against what is made from it and
 * what is written about it: --help, README.md's options table (regenerated
 * by `make readme-options`), docs/loopwatch.8 and docs/operations.md. Run
 * from the top of the tree (tests/run.sh does).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "settings/config.h"
#include "settings/options.h"
#include "settings/table.h"

#define README_BEGIN "<!-- options table: generated"
#define README_END "<!-- end of options table -->"

/* The rest of f, as one string (malloc()ed). */
static char *read_all(FILE *f)
{
	size_t len = 0, cap = 4096, n;
	char *buf = malloc(cap);

	assert_non_null(buf);
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[len] = '\0';
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		fail_msg("cannot read %s: run the tests from the top of the tree", path);
	buf = read_all(f);
	fclose(f);
	return buf;
}

static char *render(void (*fn)(FILE *))
{
	FILE *f = tmpfile();
	char *buf;

	assert_non_null(f);
	fn(f);
	rewind(f);
	buf = read_all(f);
	fclose(f);
	return buf;
}

static void usage(FILE *out)
{
	lw_options_usage(out);
}

/* The README's table is what `make readme-options` would write now. */
static void readme_table_is_current(void **state)
{
	char *readme = slurp("README.md"), *want = render(lw_settings_markdown);
	char *begin, *end;

	(void)state;
	begin = strstr(readme, README_BEGIN);
	assert_non_null(begin);
	begin = strchr(begin, '\n');
	assert_non_null(begin);
	begin++;
	end = strstr(begin, README_END);
	assert_non_null(end);
	*end = '\0';
	if (strcmp(begin, want))
		fail_msg("README.md's options table is stale: run `make readme-options`");
	free(readme);
	free(want);
}

/* Every flag is in --help with its value and its default, and --help has
 * no flag the table lacks. */
static void help_lists_the_table(void **state)
{
	char *help = render(usage), *p;
	size_t flags = 0, listed = 0;

	(void)state;
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];
		char want[96], *line, *eol;

		if (!s->flag)
			continue;
		flags++;
		snprintf(want, sizeof(want), "--%s%s%s", s->flag, s->arg ? " " : "",
			 s->arg ? s->arg : "");
		line = strstr(help, want);
		if (!line)
			fail_msg("--help lacks %s", want);
		eol = strchr(line, '\n');
		*eol = '\0';
		if (s->type == LW_T_UINT && !s->def_text) {
			snprintf(want, sizeof(want), "(default %g)", s->def);
			if (!strstr(line, want))
				fail_msg("--help gives --%s no %s: '%s'", s->flag, want, line);
		}
		/* a default in words is said in the help's own words */
		if (s->def_text && strstr(s->help, "(default") && !strstr(s->help, s->def_text))
			fail_msg("--%s: help does not say its default '%s'", s->flag, s->def_text);
		*eol = '\n';
	}
	for (p = help; (p = strstr(p, "\n  ")); p++)
		listed += p[3] == '-' || (p[3] == ' ' && !strncmp(p + 7, "--", 2));
	assert_int_equal(listed, flags);
	free(help);
}

/* The man page's OPTIONS are the table's flags, each with its default. */
static void man_page_matches_the_table(void **state)
{
	char *man = slurp("docs/loopwatch.8"), *opts, *end, *p;
	size_t tags = 0, flags = 0;

	(void)state;
	opts = strstr(man, "\n.SH OPTIONS\n");
	assert_non_null(opts);
	end = strstr(opts + 1, "\n.SH ");
	assert_non_null(end);
	*end = '\0';
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];
		char tag[64], def[32], *item, *next;
		size_t o = 0;

		if (!s->flag)
			continue;
		flags++;
		/* groff writes a hyphen in an option as \- */
		o += (size_t)snprintf(tag, sizeof(tag), "\\-\\-");
		for (const char *c = s->flag; *c && o < sizeof(tag) - 3; c++) {
			if (*c == '-')
				tag[o++] = '\\';
			tag[o++] = *c;
		}
		tag[o] = '\0';
		item = strstr(opts, tag);
		if (!item)
			fail_msg("docs/loopwatch.8 lacks --%s", s->flag);
		if (s->type != LW_T_UINT || s->def_text)
			continue;
		next = strstr(item, "\n.TP");
		if (next)
			*next = '\0';
		snprintf(def, sizeof(def), "(default %g)", s->def);
		if (!strstr(item, def))
			fail_msg("docs/loopwatch.8 gives --%s no %s", s->flag, def);
		if (next)
			*next = '\n';
	}
	for (p = opts; (p = strstr(p, "\n.TP\n")); p++)
		tags++;
	assert_int_equal(tags, flags);
	free(man);
}

/* docs/operations.md's summary of the file names every key. */
static void operations_names_every_key(void **state)
{
	char *ops = slurp("docs/operations.md"), *block;

	(void)state;
	block = strstr(ops, "\n[filter]");
	assert_non_null(block);
	*strstr(block, "```") = '\0';
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];
		char sect[32], *line;

		if (!s->key)
			continue;
		snprintf(sect, sizeof(sect), "\n[%s]", s->section);
		line = strstr(block, sect);
		if (!line || !strstr(block, s->key))
			fail_msg("docs/operations.md's config summary lacks [%s] %s", s->section,
				 s->key);
	}
	free(ops);
}

/* Each setting is in one place of the table, with a sane range and a
 * default inside it. */
static void table_is_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];

		assert_true(s->flag || s->key);
		assert_non_null(s->help);
		assert_true(!s->key == !s->section);
		if (s->type == LW_T_UINT || s->type == LW_T_RATIO) {
			assert_true(s->min <= s->max);
			assert_true(s->def_text || (s->def >= s->min && s->def <= s->max));
		}
		for (size_t j = 0; j < i; j++) {
			const struct lw_setting *t = &lw_settings[j];

			if (s->flag && t->flag)
				assert_string_not_equal(s->flag, t->flag);
			if (s->short_flag && t->short_flag)
				assert_int_not_equal(s->short_flag, t->short_flag);
			if (s->key && t->key && !strcmp(s->section, t->section))
				assert_string_not_equal(s->key, t->key);
		}
	}
}

/* The defaults the parsers start from are the table's. */
static void defaults_come_from_the_table(void **state)
{
	struct lw_options flags;
	struct lw_config *c = calloc(1, sizeof(*c));
	char err[256];

	(void)state;
	assert_non_null(c);
	lw_options_defaults(&flags);
	assert_int_equal(lw_config_load(c, NULL, &flags, err, sizeof(err)), 0);
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];
		const char *base = s->home == LW_IN_OPTIONS ? (const char *)&c->opt :
				   s->home == LW_IN_ALERT ? (const char *)&c->alert : (const char *)c;

		if (s->type == LW_T_UINT && !s->def_text)
			assert_int_equal(*(const unsigned int *)(base + s->offset), (unsigned int)s->def);
		else if (s->type == LW_T_RATIO)
			assert_true(*(const double *)(base + s->offset) == s->def);
	}
	assert_true(c->alert.lag_ms == 50);
	assert_int_equal(c->alert.sustain, 3);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readme_table_is_current),
		cmocka_unit_test(help_lists_the_table),
		cmocka_unit_test(man_page_matches_the_table),
		cmocka_unit_test(operations_names_every_key),
		cmocka_unit_test(table_is_consistent),
		cmocka_unit_test(defaults_come_from_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

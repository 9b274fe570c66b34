// SPDX-License-Identifier: GPL-2.0
/* The option table as the README shows it (`make readme-options`). */
#include <stdio.h>
#include <string.h>
#include "settings/table.h"

/* A range bound as an operator writes it: 1000000000, not 1e+09. */
static void bound(double v, char *out, size_t len)
{
	if (v == (double)(long long)v)
		snprintf(out, len, "%lld", (long long)v);
	else
		snprintf(out, len, "%g", v);
}

static void range(const struct lw_setting *s, char *out, size_t len)
{
	char lo[32], hi[32];

	switch (s->type) {
	case LW_T_UINT:
	case LW_T_RATIO:
	case LW_T_PIDS:
		bound(s->min, lo, sizeof(lo));
		bound(s->max, hi, sizeof(hi));
		snprintf(out, len, "%s to %s%s", lo, hi, s->type == LW_T_PIDS ? ", comma-separated" : "");
		return;
	case LW_T_DETECT:
		snprintf(out, len, "loop, readiness, backpressure, all; comma-separated");
		return;
	case LW_T_HOOKS:
		snprintf(out, len, "auto, fentry, kprobe, tracepoint");
		return;
	default:
		snprintf(out, len, "%s", s->key && s->value_help ? s->value_help : "");
	}
}

void lw_settings_markdown(FILE *out)
{
	fprintf(out, "| Flag | Config key | Default | Values | On SIGHUP | Meaning |\n");
	fprintf(out, "|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < lw_nsettings; i++) {
		const struct lw_setting *s = &lw_settings[i];
		char def[64], vals[96];
		const char *h;

		fputc('|', out);
		if (s->flag && s->short_flag)
			fprintf(out, " `-%c, --%s%s%s`", s->short_flag, s->flag, s->arg ? " " : "",
				s->arg ? s->arg : "");
		else if (s->flag)
			fprintf(out, " `--%s%s%s`", s->flag, s->arg ? " " : "", s->arg ? s->arg : "");
		fputs(" |", out);
		if (s->key)
			fprintf(out, " `[%s] %s`", s->section, s->key);
		lw_setting_default_str(s, def, sizeof(def));
		range(s, vals, sizeof(vals));
		fprintf(out, " | %s | %s | %s | ", def, vals,
			!s->key ? "" : s->reload ? "applied" : "needs a restart");
		for (h = s->help; *h; h++)
			fputc(*h == '\n' ? ' ' : *h, out);
		fputs(" |\n", out);
	}
}

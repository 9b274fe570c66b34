// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness: the input is a config file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "settings/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lw_config c;
	struct lw_options flags;
	char err[256];
	char *text;

	if (size > 65536)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	lw_options_defaults(&flags);
	/* a command line that set a few keys, so both merge paths run */
	if (size && (data[0] & 1))
		flags.set_mask = LW_SET_LAG | LW_SET_PROM | LW_SET_PIDS;
	if (lw_config_load_string(&c, text, "fuzz.conf", &flags, err, sizeof(err)) == 0 &&
	    c.opt.npids > LW_MAX_PIDS)
		abort();
	free(text);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness: the input is an argv, arguments separated by NUL bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "settings/options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	char *buf, *argv[65];
	int argc = 1;
	struct lw_options o;
	char err[256];

	if (size > 4096)
		return 0;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "loopwatch";
	for (size_t i = 0; i <= size && argc < 64;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	lw_options_defaults(&o);
	lw_options_parse(&o, argc, argv, devnull, err, sizeof(err));
	free(buf);
	return 0;
}

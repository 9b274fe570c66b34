// SPDX-License-Identifier: GPL-2.0
/* Prints the README's options table from agent/settings/table.c
 * (`make readme-options` puts it between the README's markers). */
#include <stdio.h>
#include "settings/table.h"

int main(void)
{
	lw_settings_markdown(stdout);
	return ferror(stdout) ? 1 : 0;
}

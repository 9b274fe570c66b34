/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The top view laid out on a screen of W x H characters: a header, one row
 * per process sorted as chosen, the events pane and the key help; or the page
 * of one process with its threads and its events. Pure: the terminal layer
 * (agent/views/top.c) copies the grid out, tests read it.
 */
#ifndef LOOPWATCH_TOP_RENDER_H
#define LOOPWATCH_TOP_RENDER_H

#include <stdbool.h>
#include "views/top_state.h"

/* How a line is shown. */
enum {
	LW_GRID_BOLD = 1,
	LW_GRID_REVERSE = 2,
	LW_GRID_ALERT = 4,	/* in the alert colour and bold, if the terminal
				 * has colours; as it is if not */
};

struct lw_grid {
	int w, h;
	char *cells;		/* h lines of w characters, each NUL-terminated */
	unsigned char *attr;	/* per line */
};

int lw_grid_init(struct lw_grid *g, int w, int h);
void lw_grid_free(struct lw_grid *g);
/* Line y as text, trailing blanks included. */
const char *lw_grid_line(const struct lw_grid *g, int y);

/* Lay s out on g. The selection's scroll follows the screen's height, so s
 * is updated (top_row, sel_pid) and nothing else. */
void lw_top_render(struct lw_top_state *s, struct lw_grid *g);

#endif

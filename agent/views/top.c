// SPDX-License-Identifier: GPL-2.0
/* The terminal around the top view: ncurses, keys, the log callback. What is
 * shown is decided in top_state.c and laid out in top_render.c. */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "util/log.h"
#include "views/top.h"
#include "views/top_render.h"
#include "views/view.h"

struct lw_top {
	SCREEN *scr;
	FILE *tty_out, *tty_in;
	bool colors;
	bool log_taken;		/* log lines come to the pane (stderr is the terminal) */
	lw_log_fn log_before;
	struct lw_top_state s;
	struct lw_grid g;
};

/* The one view alive, for the handlers that must give the terminal back and
 * for the log callback, which has no context argument. */
static struct lw_top *active;

static void restore_terminal(void)
{
	if (active && active->scr && !isendwin())
		endwin();
}

/* Best effort on a crash: endwin() is not async-signal-safe, but a dead
 * agent that leaves the terminal in raw mode is worse. */
static void on_crash(int sig)
{
	restore_terminal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_crash_handlers(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	static bool done;
	struct sigaction sa;

	if (done)
		return;
	done = true;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(restore_terminal);
}

static void on_log(enum lw_log_level level, const char *line)
{
	if (active)
		lw_top_state_log(&active->s, level, line, time(NULL));
}

/* The thread's own name, read when figures arrive or a page opens. */
static void thread_name(uint32_t pid, uint32_t tid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", pid, tid);
	out[0] = '\0';
	f = fopen(path, "re");
	if (f) {
		if (fgets(out, (int)len, f))
			out[strcspn(out, "\n")] = '\0';
		fclose(f);
	}
}

/* Lay the state out on a grid the size of the terminal and copy it over. */
static void draw(struct lw_top *t)
{
	if (t->g.w != COLS || t->g.h != LINES) {
		lw_grid_free(&t->g);
		if (lw_grid_init(&t->g, COLS, LINES))
			return;
	}
	lw_top_render(&t->s, &t->g);
	erase();
	for (int y = 0; y < t->g.h; y++) {
		unsigned char ga = t->g.attr[y];
		const char *l = lw_grid_line(&t->g, y);
		int n = t->g.w;
		attr_t a = 0;

		if (ga & LW_GRID_BOLD)
			a |= A_BOLD;
		if (ga & LW_GRID_REVERSE)
			a |= A_REVERSE;
		if ((ga & LW_GRID_ALERT) && t->colors)
			a |= COLOR_PAIR(1) | A_BOLD;
		/* blanks are not written: the bottom-right corner refuses a
		 * character; a highlighted line gets its bar from mvhline */
		while (n > 0 && l[n - 1] == ' ')
			n--;
		if (a) {
			attron(a);
			mvhline(y, 0, ' ', t->g.w);
		}
		if (n)
			mvaddnstr(y, 0, l, n);
		if (a)
			attroff(a);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

void lw_top_event(struct lw_top *t, const struct lw_event_rec *e)
{
	lw_top_state_event(&t->s, e);
}

void lw_top_interval(struct lw_top *t, const struct lw_interval_rec *r)
{
	lw_top_state_interval(&t->s, r);
	draw(t);
}

int lw_top_input_fd(const struct lw_top *t)
{
	return t && t->tty_in ? fileno(t->tty_in) : -1;
}

void lw_top_resize(struct lw_top *t)
{
	struct winsize ws;

	if (!t)
		return;
	if (!ioctl(fileno(t->tty_out), TIOCGWINSZ, &ws) && ws.ws_row && ws.ws_col)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	draw(t);
}

bool lw_top_keys(struct lw_top *t)
{
	struct lw_top_state *s = &t->s;
	bool redraw = false;
	int ch, avail = 0;

	if (!t->tty_in)
		return false;
	/* readable with nothing to read: the terminal is gone; stop polling it
	 * (the agent keeps running, SIGHUP or SIGTERM will follow) */
	if (ioctl(fileno(t->tty_in), FIONREAD, &avail) == 0 && avail == 0 && getch() == ERR) {
		fclose(t->tty_in);
		t->tty_in = NULL;
		return false;
	}
	while ((ch = getch()) != ERR) {
		redraw = true;
		switch (ch) {
		case 'q':
		case 'Q':
			return true;
		case 'p':
		case 'P':
		case ' ':
			lw_top_state_pause(s);
			break;
		case '<':
			lw_top_state_sort(s, (int)s->sort - 1);
			break;
		case '>':
			lw_top_state_sort(s, (int)s->sort + 1);
			break;
		case 'm':
			lw_top_state_sort(s, LW_TOP_SORT_LAG_MAX);
			break;
		case '9':
			lw_top_state_sort(s, LW_TOP_SORT_LAG_P99);
			break;
		case 's':
			lw_top_state_sort(s, LW_TOP_SORT_STALLS);
			break;
		case 'w':
			lw_top_state_sort(s, LW_TOP_SORT_WAKEUPS);
			break;
		case 'f':
			lw_top_state_sort(s, LW_TOP_SORT_FUTILE);
			break;
		case 'r':
			lw_top_state_sort(s, LW_TOP_SORT_RETR);
			break;
		case 'n':
			lw_top_state_sort(s, LW_TOP_SORT_PID);
			break;
		case 'c':
			lw_top_state_sort(s, LW_TOP_SORT_COMM);
			break;
		case KEY_UP:
		case 'k':
			lw_top_state_move(s, -1);
			break;
		case KEY_DOWN:
		case 'j':
			lw_top_state_move(s, 1);
			break;
		case KEY_PPAGE:
			lw_top_state_move(s, -(LINES / 2));
			break;
		case KEY_NPAGE:
			lw_top_state_move(s, LINES / 2);
			break;
		case KEY_HOME:
			lw_top_state_move(s, -(long)s->nrows);
			break;
		case KEY_END:
			lw_top_state_move(s, (long)s->nrows);
			break;
		case '\n':
		case '\r':
		case KEY_ENTER:
		case KEY_RIGHT:
		case 'o':
			lw_top_state_open(s);
			break;
		case 27:
		case KEY_LEFT:
		case KEY_BACKSPACE:
		case 127:
		case 'b':
			lw_top_state_back(s);
			break;
		case KEY_RESIZE:
		default:
			break;
		}
	}
	if (redraw)
		draw(t);
	return false;
}

int lw_top_start(struct lw_top **out, unsigned int interval_s)
{
	struct lw_top *t;
	int ofd, ifd;

	*out = NULL;
	if (!isatty(STDOUT_FILENO))
		return -ENOTTY;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	lw_top_state_init(&t->s, interval_s, thread_name);
	ofd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	ifd = isatty(STDIN_FILENO) ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
				   : open("/dev/tty", O_RDONLY | O_CLOEXEC);
	if (ifd < 0)
		ifd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	t->tty_out = ofd >= 0 ? fdopen(ofd, "w") : NULL;
	t->tty_in = ifd >= 0 ? fdopen(ifd, "r") : NULL;
	if (t->tty_out && t->tty_in)
		t->scr = newterm(NULL, t->tty_out, t->tty_in);
	if (!t->scr) {
		if (t->tty_out)
			fclose(t->tty_out);
		else if (ofd >= 0)
			close(ofd);
		if (t->tty_in)
			fclose(t->tty_in);
		else if (ifd >= 0)
			close(ifd);
		lw_top_state_free(&t->s);
		free(t);
		return -ENOTTY;
	}
	set_term(t->scr);
	active = t;
	install_crash_handlers();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		t->colors = true;
	}
	/* log lines on the screen would tear it: they go to the pane */
	if (isatty(STDERR_FILENO)) {
		t->log_before = lw_log_set_print(on_log);
		t->log_taken = true;
	}
	draw(t);
	*out = t;
	return 0;
}

void lw_top_stop(struct lw_top *t)
{
	const char *replay[LW_TOP_LOG_REPLAY];
	size_t n;

	if (!t)
		return;
	if (t->log_taken)
		lw_log_set_print(t->log_before);
	endwin();
	delscreen(t->scr);
	active = NULL;
	fclose(t->tty_out);
	if (t->tty_in)
		fclose(t->tty_in);
	/* what was logged while the view owned the screen is worth seeing */
	n = lw_top_state_replay(&t->s, replay);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "loopwatch: %s\n", replay[i]);
	lw_grid_free(&t->g);
	lw_top_state_free(&t->s);
	free(t);
}

/* The top view behind the one view interface. */
static void top_event(void *ctx, const struct lw_event_rec *e)
{
	lw_top_event(ctx, e);
}

static void top_interval(void *ctx, const struct lw_interval_rec *r)
{
	lw_top_interval(ctx, r);
}

static void top_close(void *ctx)
{
	lw_top_stop(ctx);
}

static int top_input_fd(void *ctx)
{
	return lw_top_input_fd(ctx);
}

static enum lw_view_input top_input(void *ctx)
{
	return lw_top_keys(ctx) ? LW_VIEW_QUIT : LW_VIEW_GO_ON;
}

static void top_resize(void *ctx)
{
	lw_top_resize(ctx);
}

int lw_view_top(struct lw_viewer *view, unsigned int interval_s)
{
	struct lw_top *t;
	int rc = lw_top_start(&t, interval_s);

	if (rc)
		return rc;
	*view = (struct lw_viewer){ .name = "top", .ctx = t, .event = top_event,
				  .interval = top_interval, .close = top_close,
				  .input_fd = top_input_fd, .input = top_input,
				  .resize = top_resize };
	return 0;
}

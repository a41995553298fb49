/* terminal.h: what wmquery's text output needs to know about where it goes:
 * whether to use colour, how wide to wrap, and a pager (like git's) when
 * stdout is a terminal.  Decide colour and width before starting the pager,
 * which replaces stdout with a pipe. */
#ifndef WM_QUERY_TERMINAL_H
#define WM_QUERY_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>

typedef enum wm_color_mode { WM_COLOR_AUTO, WM_COLOR_ALWAYS, WM_COLOR_NEVER } wm_color_mode_t;

/* auto: on a terminal, unless NO_COLOR is set or TERM is dumb. */
bool wm_terminal_color(wm_color_mode_t mode);

/* $COLUMNS, else the terminal's width, else 80 (so output in a pipe is stable). */
int wm_terminal_width(void);

/* Whether stdout is a terminal. */
bool wm_terminal_is_tty(void);

/* A running pager; { -1 } when none. */
typedef struct wm_pager {
    pid_t pid;
} wm_pager_t;

#define WM_PAGER_NONE {-1}

/* Send stdout through $PAGER (default less, with LESS=FRX unless set); does
 * nothing when PAGER is empty or cat, or when the pager cannot start. */
void wm_pager_start(wm_pager_t *pager);

/* Flush, close stdout and wait for the reader to quit. */
void wm_pager_finish(wm_pager_t *pager);

#endif

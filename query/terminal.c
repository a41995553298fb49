/* terminal.c: colour, width and the pager for wmquery's text output
 * (terminal.h).  The pager is a child reading a pipe that replaces stdout,
 * so the printers need not know about it. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "query/terminal.h"

enum { DEFAULT_WIDTH = 80, MIN_WIDTH = 20 };

bool wm_terminal_is_tty(void)
{
    return isatty(STDOUT_FILENO);
}

bool wm_terminal_color(wm_color_mode_t mode)
{
    if (mode != WM_COLOR_AUTO)
        return mode == WM_COLOR_ALWAYS;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    if (no_color && *no_color)
        return false;
    return wm_terminal_is_tty() && !(term && strcmp(term, "dumb") == 0);
}

/* $COLUMNS when it is a plain number of at least MIN_WIDTH, else 0. */
static int columns_from_environment(void)
{
    const char *columns = getenv("COLUMNS");
    if (!columns || !*columns)
        return 0;
    char *end;
    long width = strtol(columns, &end, 10);
    return *end == '\0' && width >= MIN_WIDTH && width <= INT_MAX ? (int)width : 0;
}

int wm_terminal_width(void)
{
    int width = columns_from_environment();
    if (width)
        return width;
    struct winsize ws;
    if (wm_terminal_is_tty() && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= MIN_WIDTH)
        return ws.ws_col;
    return DEFAULT_WIDTH;
}

/* The child: read the pipe through sh -c "$PAGER". */
static void exec_pager(int fds[2], const char *command)
{
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl("/bin/sh", "sh", "-c", command, (char *)NULL);
    _exit(127);
}

/* LESS=FRX: quit when it fits, keep colours, no screen clearing. */
void wm_pager_start(wm_pager_t *pager)
{
    const char *command = getenv("PAGER");
    if (!command)
        command = "less";
    if (!*command || strcmp(command, "cat") == 0)
        return;
    setenv("LESS", "FRX", 0);
    int fds[2];
    if (pipe(fds) != 0)
        return;
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        exec_pager(fds, command);
    if (pid > 0)
        dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (pid < 0)
        return;
    signal(SIGPIPE, SIG_IGN);   /* the reader quit early: stop quietly on EPIPE */
    pager->pid = pid;
}

void wm_pager_finish(wm_pager_t *pager)
{
    if (pager->pid < 0)
        return;
    fflush(stdout);
    close(STDOUT_FILENO);
    while (waitpid(pager->pid, NULL, 0) < 0 && errno == EINTR)
        continue;
    pager->pid = -1;
}

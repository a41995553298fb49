/* wmindex --explain: an explanation of a page (archive/extract.h) as text
 * for people or as one JSON object per line for scripts.  wmindex's helper,
 * not a library: it prints. */
#ifndef WM_EXPLAIN_PRINT_H
#define WM_EXPLAIN_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include "archive/extract.h"

/* Print e to out; return 0, or -1 when out of memory. */
int explain_print(FILE *out, const wm_explanation_t *e, bool json);

#endif

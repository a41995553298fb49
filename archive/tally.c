/* Counts of what an input gave (see tally.h). */
#include "archive/tally.h"

const char *wm_reject_reason_name(wm_reject_reason_t reason)
{
    static const char *const names[WM_REJECT_REASON_COUNT] = {
        "candidate without fields", "candidate without title", "listing page", "repeated talk",
    };
    return (unsigned)reason < WM_REJECT_REASON_COUNT ? names[reason] : "?";
}

unsigned long wm_tally_rejected(const wm_tally_t *tally)
{
    unsigned long sum = 0;
    for (int r = 0; r < WM_REJECT_REASON_COUNT; r++)
        sum += tally->rejected[r];
    return sum;
}

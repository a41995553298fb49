/* Names of the status codes (see status.h). */
#include "common/status.h"

const char *wm_result_to_string(wm_result_t result)
{
    switch (result) {
    case WM_OK: return "ok";
    case WM_STOPPED: return "stopped";
    case WM_END: return "end";
    case WM_ERR_NO_MEMORY: return "out of memory";
    case WM_ERR_READ: return "read error";
    case WM_ERR_MALFORMED: return "malformed input";
    case WM_ERR_NOT_INPUT: return "not an input of this kind";
    }
    return "unknown status";
}

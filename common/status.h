/* The status codes the archive modules return, in the way zlib returns
 * Z_OK / Z_STREAM_END / Z_DATA_ERROR: WM_OK (0) is success, positive codes
 * are normal events a caller may act on, negative codes are errors.  Test
 * a result against the names (rc == WM_STOPPED, rc != WM_OK), or rc <
 * WM_OK for "any error"; never against a bare number.
 *
 * A code says what kind of thing happened; the message saying where and
 * why stays where each module keeps it (a `char **error` of the call, or
 * the handle: wm_extractor_error(), wm_stream_error()).
 *
 * The name: "status" already means a session's status in this project
 * (accepted, rejected...: wm_status_known(), [statuses] rules, status:),
 * so these are results.  The store has its own wm_store_status_t. */
#ifndef WM_STATUS_H
#define WM_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wm_result {
    /* normal events */
    WM_OK = 0,             /* done; from a callback: go on */
    WM_STOPPED = 1,        /* a callback asked to stop (nothing went wrong) */
    WM_END = 2,            /* nothing more to take (an empty queue) */
    /* errors */
    WM_ERR_NO_MEMORY = -1,
    WM_ERR_READ = -2,      /* the input, or a temporary file, could not be read: an I/O error,
                            * corrupt or truncated compressed data */
    WM_ERR_MALFORMED = -3, /* the bytes are not what they claim to be: malformed XML or JSON,
                            * an empty file, a rules syntax error, a damaged record */
    WM_ERR_NOT_INPUT = -4  /* well-formed, but not what this reader reads: a JSON document
                            * that is not a schedule export, an XML document that is not a
                            * MediaWiki dump (a directory walk may skip such a file) */
} wm_result_t;

/* A short description of result ("out of memory", "malformed input"...);
 * a constant string, never NULL. */
const char *wm_result_to_string(wm_result_t result);

#ifdef __cplusplus
}
#endif

#endif

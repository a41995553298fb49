/* What the store offers the tests only: not part of the API of store/store.h,
 * which programs use.  Implemented in store/store.cc. */
#ifndef WM_STORE_TESTING_H
#define WM_STORE_TESTING_H

#include "store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Set a metadata entry of a writable index and commit (e.g. a foreign
 * schema version, to test WM_STORE_SCHEMA_MISMATCH). */
wm_store_status_t wm_store_set_metadata_for_testing(wm_store_t *store, const char *key,
                                                    const char *value);

#ifdef __cplusplus
}
#endif

#endif

/* Where the index and the bundled sample live, shared by both programs so
 * they always agree (common/: depends on nothing of the project). */
#ifndef WM_PATHS_H
#define WM_PATHS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The index directory: explicit (from -d/--index) if not NULL, else
 * $WMSEARCH_INDEX, else $XDG_DATA_HOME/wmsearch/index, else
 * $HOME/.local/share/wmsearch/index.  Returns a malloc'd path (caller frees),
 * or NULL when none can be determined (no HOME): *message then says why. */
char *wm_index_path(const char *explicit_path, char **message);

/* The bundled sample archive: $(pkgdatadir)/sample when installed, else the
 * source tree's data/sample (running from a build directory).  Returns a
 * constant string, or NULL when neither exists. */
const char *wm_sample_dir(void);

#ifdef __cplusplus
}
#endif

#endif

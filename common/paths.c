/* Index and sample locations (see paths.h). */
#include "config.h"
#include "common/paths.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "common/util.h"

char *wm_index_path(const char *explicit_path, char **message)
{
    *message = NULL;
    if (explicit_path && *explicit_path)
        return wm_strdup_printf("%s", explicit_path);
    const char *env = getenv("WMSEARCH_INDEX");
    if (env && *env)
        return wm_strdup_printf("%s", env);
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg == '/')
        return wm_strdup_printf("%s/wmsearch/index", xdg);
    const char *home = getenv("HOME");
    if (home && *home)
        return wm_strdup_printf("%s/.local/share/wmsearch/index", home);
    *message = wm_strdup_printf("cannot place the index: HOME is not set (use -d DIR or WMSEARCH_INDEX)");
    return NULL;
}

static int is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *wm_sample_dir(void)
{
    static const char *const candidates[] = {
        WM_PKGDATADIR "/sample",
#ifdef WM_SRCDIR   /* an uninstalled build: the source tree's (Makefile.am) */
        WM_SRCDIR "/data/sample",
#endif
    };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (is_directory(candidates[i]))
            return candidates[i];
    return NULL;
}

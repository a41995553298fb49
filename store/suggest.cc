/* "Did you mean": see store/suggest.h.  No exception leaves the store
 * through here: wm_store_search's guard catches what suggest() throws. */
#include <xapian.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "store/schema.h"
#include "store/suggest.h"

namespace wmstore {

namespace {

bool is_blank(const char *s)
{
    for (; s && *s; s++)
        if (!strchr(" \t\r\n", *s))
            return false;
    return true;
}

}  // namespace

// "Did you mean": the corrected query when it finds more than the user's did.
void suggest(const Xapian::Database &db, const wm_search_request_t *request, wm_search_result_t *result,
             const query_tools &tools)
{
    (void)db;
    if (result->total >= request->suggest_below || is_blank(request->query))
        return;
    std::string corrected = tools.spelling_corrected(request->query);
    if (corrected.empty() || corrected == request->query)
        return;
    Xapian::doccount found;
    try {
        found = tools.count(corrected);
    } catch (const store_failure &) {
        return;   // a correction that does not parse is no suggestion
    } catch (const Xapian::QueryParserError &) {
        return;
    }
    if (found <= result->total)
        return;
    if (!(result->suggestion = strdup(corrected.c_str())))
        throw std::bad_alloc();
    result->suggestion_total = found;
}

}  // namespace wmstore

/* "Did you mean": corrections of a query that finds few sessions.  Internal
 * to store/ (C++ only); the search side (store_search.cc) calls suggest()
 * after a search and hands it the tools to parse and count a query exactly
 * as a search would, so a correction is judged under the same filters and
 * the same default status policy.  No Xapian type leaves store/. */
#ifndef WM_STORE_SUGGEST_H
#define WM_STORE_SUGGEST_H

#include <xapian.h>

#include <functional>
#include <string>

#include "store/store.h"

namespace wmstore {

// What suggest() borrows from the search side.
struct query_tools {
    // Xapian's parser's spelling correction of a query: the query with
    // misspelt plain words replaced from the index's spelling data ("" when
    // it has nothing to correct).
    std::function<std::string(const std::string &query)> spelling_corrected;
    // How many sessions query finds with the request's filters and the
    // default status policy: exact, or when the request lets the total be
    // estimated, exact up to what a search checks and beyond it a lower
    // bound (*at_least set).  0 for a query with a phrase that none of the
    // first sessions holding its words has (store_search.cc,
    // phrase_found_soon).  Throws store_failure or
    // Xapian::QueryParserError when query does not parse.
    std::function<Xapian::doccount(const std::string &query, bool *at_least)> count;
};

// Set result->suggestion (and suggestion_total) to a corrected query when
// the request asks for one (fewer than request->suggest_below sessions
// found) and the correction finds more sessions than the query did.
void suggest(const Xapian::Database &db, const wm_search_request_t *request, wm_search_result_t *result,
             const query_tools &tools);

}  // namespace wmstore

#endif

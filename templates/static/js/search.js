/* The search page: words in titles, authors and summaries, or one author's papers (?author=). */
import { $, params, currentAuthor } from "./util.js";
import { fmt } from "./i18n.js";
import { fold } from "./fold.js";
import { scan, resultItem, authorTest, wordsTest } from "./searchindex.js";
import { showAuthorFilter } from "./author.js";

var searchNext = 0, searchHits = [];
export function runSearch(start) {
  var input = $("#search-input"), results = $("#search-results"), status = $("#search-status"), more = $("#search-more");
  var author = currentAuthor(), query = author ? "" : (params().get("q") || "").trim();
  if (!start) { results.textContent = ""; searchHits = []; }
  showAuthorFilter(author, "");
  if (input && document.activeElement !== input) input.value = query;
  more.hidden = true;
  if (!author && fold(query).length < 2) { status.textContent = query ? fmt("search_hint") : ""; return; }
  status.textContent = fmt("search_loading");
  var test = author ? authorTest(author) : wordsTest(query);
  // Six months per step at most: a rare word never downloads the whole archive unasked.
  scan(test, start, 50, 6).then(function (res) {
    res.hits.forEach(function (row) {
      var item = results.appendChild(resultItem(row));
      searchHits.push(row);
      if (typeof window.academichubTypeset === "function") window.academichubTypeset(item);   // math.js
    });
    searchNext = res.next;
    more.hidden = res.next < 0;
    var count = searchHits.length + (res.next < 0 ? "" : "+");
    status.textContent = author ? fmt("search_author_results", { count: count, name: author })
      : searchHits.length ? fmt("search_results", { count: count, query: query }) : fmt("search_none", { query: query });
  }).catch(function (e) { status.textContent = String(e); });
}
export function moreResults() { runSearch(searchNext); }

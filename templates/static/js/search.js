/* The search page: words in titles, authors, summaries and recent abstracts ("a phrase" in quotes), or one
   author's papers (?author=). Results come ranked (title and author hits first, then newest), words marked. */
import { $, params, currentAuthor } from "./util.js";
import { fmt } from "./i18n.js";
import { fold } from "./fold.js";
import { wordSearch, authorSearch, resultItem, warm } from "./searchindex.js";
import { showAuthorFilter } from "./author.js";

// The first page is short: it shows as soon as the newest months answer (a rare author has one or two a month).
var FIRST = 10, PAGE = 20, current = null, count = 0, listed = new Set();

/* A quoted phrase must stand in the title, authors or summary a result shows (a row holds no abstract). */
function phraseTest(query) {
  var phrases = (query.match(/"[^"]+"/g) || []).map(function (q) { return fold(q.slice(1, -1)); }).filter(Boolean);
  if (!phrases.length) return null;
  return function (row) {
    var text = fold(row.title + " " + row.authors.join(" ") + " " + row.summary);
    return phrases.every(function (p) { return text.indexOf(p) >= 0; });
  };
}
export function runSearch(start) {
  var input = $("#search-input"), results = $("#search-results"), status = $("#search-status"), more = $("#search-more");
  var author = currentAuthor(), query = author ? "" : (params().get("q") || "").trim();
  showAuthorFilter(author, "");
  if (input && document.activeElement !== input) input.value = query;
  more.hidden = true;
  if (!start) {
    results.textContent = "";
    count = 0;
    listed = new Set();
    current = author ? authorSearch(author) : query ? wordSearch(query, phraseTest(query)) : null;
  }
  if (!current) { status.textContent = ""; warm(); return; }
  var search = current;
  status.textContent = fmt("search_loading");
  results.setAttribute("aria-busy", "true");
  // Rows come as their blocks arrive (after a newer build's index is read, the first again).
  function show(rows) {
    if (search !== current) return;   // a newer query was asked meanwhile
    rows.forEach(function (row) {
      if (listed.has(row.link)) return;
      listed.add(row.link);
      results.appendChild(resultItem(row, search.mark));
      count += 1;
    });
  }
  search.next(start ? PAGE : FIRST, show).then(function (rows) {
    if (search !== current) return;
    results.setAttribute("aria-busy", "false");
    if (search.empty()) { status.textContent = fmt("search_hint"); return; }
    show(rows);
    more.hidden = search.done();
    var shown = count + (search.done() ? "" : "+");
    status.textContent = author ? fmt("search_author_results", { count: shown, name: author })
      : count ? fmt("search_results", { count: shown, query: query }) : fmt("search_none", { query: query });
  }).catch(function (e) {
    if (search === current) { results.setAttribute("aria-busy", "false"); status.textContent = String(e); }
  });
}
export function moreResults() { runSearch(1); }

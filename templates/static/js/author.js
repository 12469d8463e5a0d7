/* The author filter (?author=Name): on a day page it hides the other cards; on the search page it lists the
   author's papers. Both compare the folded name with the keys the build wrote. */
import { ROOT, $, params, currentAuthor, searchPage, searchIndex } from "./util.js";
import { fmt, labelled } from "./i18n.js";
import { isFollowed } from "./radar.js";
import { section, cards, refreshCards } from "./cards.js";

export function showAuthorFilter(name, countText) {
  var bar = $("#author-filter");
  if (!bar) return;
  bar.hidden = !name;
  if (!name) return;
  $(".chip-text", bar).textContent = labelled("author_filter", name) + " ";
  showFollowState(name);
  $("#filter-count").textContent = countText || "";
}
/* The filter bar's follow button is a toggle: pressed while the reader follows the author, pressed again to stop. */
export function showFollowState(name) {
  var fol = $("#author-follow");
  if (!fol || !name) return;
  var on = isFollowed("author", name);
  fol.setAttribute("aria-pressed", on ? "true" : "false");
  fol.textContent = fmt(on ? "following_author_named" : "follow_author_named", { name: name });
  fol.title = on ? fmt("unfollow_author_named", { name: name }) : "";
}
export function setAuthorParam(name) {
  var p = params();
  if (name) p.set("author", name); else p.delete("author");
  var query = p.toString();
  history.pushState(null, "", location.pathname + (query ? "?" + query : ""));
}
export function applyAuthor() {
  var name = currentAuthor();
  refreshCards();
  if (section) {
    var n = name ? cards.filter(function (c) { return !c.hidden; }).length : 0;
    showAuthorFilter(name, name ? fmt("filter_count", { count: n, name: name }) : "");
    elsewhere(name);
  }
  if ($("#search-results")) searchPage().then(function (search) { search.runSearch(0); });
}
function elsewhere(name) {
  var box = $("#author-elsewhere-box");
  if (!box) return;
  box.hidden = true;
  if (!name) return;
  var here = {};
  cards.forEach(function (c) { here[c.id] = true; });
  // The author's newest papers (title and author hits are all of them): the rest is on the search page.
  var search, index;
  searchIndex().then(function (loaded) {
    index = loaded;
    search = index.authorSearch(name);
    return search.next(50);
  }).then(function (rows) {
    if (currentAuthor() !== name) return;
    var list = $("#author-elsewhere");
    list.textContent = "";
    rows.filter(function (row) { return !here[row.id]; }).forEach(function (row) { list.appendChild(index.resultItem(row, search.mark)); });
    $("#author-elsewhere-title").textContent = fmt("author_elsewhere", { name: name });
    var all = $("#author-all");
    all.href = ROOT + "search/?author=" + encodeURIComponent(name);
    all.textContent = fmt("search_author_all", { name: name });
    all.parentNode.hidden = search.done();
    box.hidden = !list.children.length && search.done();
  }).catch(function () { /* the index is optional for the filter itself */ });
}

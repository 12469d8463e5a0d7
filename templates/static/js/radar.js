/* The reader's radar (localStorage only): follows of authors and keywords, marked on cards and entries and
   matched in the search index (one search per follow). A follow is folded once and compared with the keys the build wrote: an author
   with a card's data-keys (in the index: the whole-name term searchdb writes); a keyword as whole words of the paper's own text, folded by fold.js (which folds
   exactly as digest/radar.py does): a card's title and abstract, an entry's title and summary, a row's title and
   summary, never a card's labels. The text is in the page already, so the build does not write it twice. */
import { $, $$, el, load, store, splitKeys, searchIndex } from "./util.js";
import { fmt, labelled } from "./i18n.js";
import { fold, keywordPattern } from "./fold.js";
import { refreshCards } from "./cards.js";

var FOLLOW_KEY = "academichub.follows";

/* Each paper's own text, read once (a formula's is its MathML's characters). Folded when a keyword first needs it. */
var TEXTS = new WeakMap(), WORDS = new WeakMap();
function ownText(node) {
  var parts = node.matches("article.card")
    ? [$(".title", node), $(".abstract p", node) || $(".summary[data-abstract]", node)]
    : [$("a", node), $(".sum", node)];
  return parts.map(function (part) { return part ? part.textContent : ""; }).join(" ");
}
$$("article.card, li.entry").forEach(function (node) { TEXTS.set(node, ownText(node)); });
function words(node) {
  if (!WORDS.has(node)) WORDS.set(node, fold(TEXTS.has(node) ? TEXTS.get(node) : ownText(node)));
  return WORDS.get(node);
}

export function follows() {
  try { var list = JSON.parse(load(FOLLOW_KEY) || "[]"); return Array.isArray(list) ? list : []; } catch (e) { return []; }
}
function saveFollows(list) { store(FOLLOW_KEY, JSON.stringify(list)); markFollowed(); renderFollows(); }
function same(kind, value) {
  var key = fold(value.trim());
  return function (f) { return f.kind === kind && fold(f.value) === key; };
}
export function isFollowed(kind, value) { return follows().some(same(kind, value)); }
export function follow(kind, value) {
  value = value.trim();
  if (value.length < 2) return;
  var list = follows();
  if (!list.some(same(kind, value))) list.push({ kind: kind, value: value });
  saveFollows(list);
}
export function unfollow(kind, value) {
  var test = same(kind, value);
  saveFollows(follows().filter(function (f) { return !test(f); }));
}
/* A test (author keys, folded words) -> the follows they match, in the reader's order. */
function followTest(list) {
  var tests = list.map(function (f) {
    var key = fold(f.value);
    if (f.kind === "author") return function (keys) { return keys.indexOf(key) >= 0; };
    var pattern = keywordPattern(key);
    return function (keys, words) { return pattern ? pattern.test(words) : false; };
  });
  return function (keys, words) {
    return list.filter(function (f, i) { return tests[i](keys, words); }).map(function (f) { return f.value; });
  };
}
export function markFollowed() {
  var list = follows(), test = followTest(list);
  $$("article.card, li.entry").forEach(function (card) {
    var hits = test(splitKeys(card.getAttribute("data-keys")), words(card));
    var mark = $(".follow-mark", card);
    card.classList.toggle("followed", hits.length > 0);
    if (hits.length && !mark) {
      mark = el("span", { "class": "follow-mark" });
      if ($(".meta", card)) $(".meta", card).appendChild(mark); else card.insertBefore(mark, $("br", card));
    }
    if (mark) { if (hits.length) mark.textContent = " " + labelled("followed_mark", hits.join(", ")); else mark.remove(); }
  });
  var toggle = $("#followed-only");
  if (toggle) {
    toggle.hidden = list.length === 0;
    if (!list.length) toggle.setAttribute("aria-pressed", "false");
  }
  refreshCards();
}
export function renderFollows() {
  var list = $("#follow-list");
  if (!list) return;
  var items = follows();
  list.textContent = "";
  items.forEach(function (f, i) {
    var li = el("li", { "class": "follow " + f.kind });
    li.appendChild(el("span", { "class": "kind" }, labelled(f.kind === "author" ? "follow_author" : "follow_keyword", "")));
    li.appendChild(el("strong", null, f.value));
    var btn = el("button", { type: "button", "class": "unfollow ghost", "aria-label": labelled("unfollow", f.value) }, "×");
    btn.addEventListener("click", function () { var l = follows(); l.splice(i, 1); saveFollows(l); });
    li.appendChild(document.createTextNode(" "));
    li.appendChild(btn);
    list.appendChild(li);
  });
  $("#follows-none").hidden = items.length > 0;
  var matches = $("#follow-matches"), title = $("#follow-matches-title");
  matches.textContent = "";
  title.hidden = true;
  if (!items.length) return;
  // One search per follow (an author's whole-name term, a keyword's words), its rows checked as the cards are:
  // the keyword as whole words of the row's own title and summary.
  var found = {}, rows = [], index;
  searchIndex().then(function (loaded) {
    index = loaded;
    return Promise.all(items.map(function (f) {
      var pattern = f.kind === "author" ? null : keywordPattern(fold(f.value));
      var search = f.kind === "author" ? index.authorSearch(f.value) : index.wordSearch(f.value, function (row) {
        return pattern ? pattern.test(fold(row.title + " " + row.summary)) : false;
      });
      return search.next(50).then(function (hits) {
        hits.forEach(function (row) { if (!found[row.id]) { found[row.id] = true; rows.push(row); } });
      });
    }));
  }).then(function () {
    rows.sort(function (a, b) { return a.day < b.day ? 1 : a.day > b.day ? -1 : 0; });
    rows.slice(0, 200).forEach(function (row) { matches.appendChild(index.resultItem(row)); });
    title.hidden = !rows.length;
  }).catch(function () {});
}

/* AcademicHub reader script: language switch, author filter, another batch, search, reader radar, "For you".
   Plain JavaScript modules, no library, nothing sent anywhere: they only read this site's own files and keep the
   reader's choices in localStorage. With JavaScript off, every page reads in the default language; with it on,
   static/i18n/lang.js has shown the reader's language before the first paint.
   A module script runs after the document is parsed (as `defer` did), so init() runs at once. */
import { $, $$, currentAuthor, searchPage } from "./util.js";
import { setLanguage, pressLanguage, translate } from "./i18n.js";
import { section, cards, showHashTarget, nextBatch, refreshCards, loadRestForPrint } from "./cards.js";
import { initCardTools } from "./cardtools.js";
import { setAuthorParam, applyAuthor, showFollowState } from "./author.js";
import { follow, unfollow, isFollowed, markFollowed, renderFollows } from "./radar.js";
import { initForYou } from "./foryou.js";

function refreshDynamic() { markFollowed(); renderFollows(); applyAuthor(); }
/* A formula the build found may be wider than its text (digest/site/mathml.py: .math-wide) is a scroll box: the
   keyboard reaches it (HTML allows no tabindex on <math>; in a link, the link is the box: style.css). */
function focusableFormulas(root) {
  $$(".math-wide", root).forEach(function (box) { if (!box.closest("a")) box.tabIndex = 0; });
}

function init() {
  initCardTools(cards);
  var sw = $("#lang-switch");
  if (sw) {
    sw.hidden = false;
    pressLanguage();
    $$("button", sw).forEach(function (b) {
      b.addEventListener("click", function () {
        setLanguage(b.getAttribute("data-lang"), true);
        refreshDynamic();
        focusableFormulas(document);   // a summary in the other language is new markup
      });
    });
  }
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a.author[data-author]");
    if (!link || !section || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button) return;
    ev.preventDefault();
    setAuthorParam(link.getAttribute("data-author"));
    applyAuthor();
    $("#author-filter-clear").focus();
  });
  var clear = $("#author-filter-clear");
  if (clear) clear.addEventListener("click", function () {
    setAuthorParam(null);
    applyAuthor();
    var first = section ? $("article.card:not([hidden]) .title a", section) : $("#search-input");
    if (first) first.focus();
  });
  var fol = $("#author-follow");
  if (fol) fol.addEventListener("click", function () {
    var name = currentAuthor();
    if (!name) return;
    if (isFollowed("author", name)) unfollow("author", name); else follow("author", name);
    showFollowState(name);
  });
  var more = $("#another-batch");
  if (more) more.addEventListener("click", nextBatch);
  var only = $("#followed-only");
  if (only) only.addEventListener("click", function () {
    only.setAttribute("aria-pressed", only.getAttribute("aria-pressed") === "true" ? "false" : "true");
    refreshCards();
  });
  var form = $("#search-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var p = new URLSearchParams();
      var q = $("#search-input").value.trim();
      if (q) p.set("q", q);
      history.pushState(null, "", location.pathname + (q ? "?" + p.toString() : ""));
      searchPage().then(function (search) { search.runSearch(0); });
    });
    $("#search-more").addEventListener("click", function () { searchPage().then(function (search) { search.moreResults(); }); });
  }
  var ff = $("#follow-form");
  if (ff) {
    ff.hidden = false;
    ff.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var input = $("#follow-input");
      follow($("#follow-kind").value, input.value);
      input.value = "";
      input.focus();
    });
  }
  // Cards fetched from a day's next numbered page (their math already MathML): in the reader's language and
  // marked like the page's own.
  document.addEventListener("academichub:cards", function (ev) {
    ev.detail.forEach(function (card) { translate(card); focusableFormulas(card); });
    markFollowed();
  });
  window.addEventListener("beforeprint", loadRestForPrint);
  window.addEventListener("popstate", applyAuthor);
  window.addEventListener("hashchange", showHashTarget);
  initForYou();
  refreshDynamic();
  focusableFormulas(document);
  showHashTarget();
}
init();

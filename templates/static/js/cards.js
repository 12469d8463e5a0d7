/* Day pages: batches of cards ("another batch"), the author filter's and followed-only's hiding, #id links.
   A day longer than a page is split into numbered pages (page/2/, ...): the next batch beyond this page's cards is
   taken from the next page's HTML, fetched and appended, so the cards are written once. */
import { $, $$, currentAuthor, splitKeys } from "./util.js";
import { fmt } from "./i18n.js";
import { fold } from "./fold.js";

export var section = $("section.cards[data-batch-size]");
export var cards = section ? $$("article.card", section) : [];
var batchSize = section ? parseInt(section.getAttribute("data-batch-size"), 10) || 20 : 20;
var total = section ? parseInt(section.getAttribute("data-total"), 10) || cards.length : 0;
var first = section ? parseInt(section.getAttribute("data-start"), 10) || 1 : 1;   // the page's first card's number
var nextPage = section ? section.getAttribute("data-next") || "" : "";            // "" on a day's last page
var at = 0, shownEnd = Math.min(cards.length, batchSize);   // the shown batch's first card and the one after its last (as shown: a page shorter
                           // than a batch ends its batch early, and the next batch starts after it)

/* The cards of a numbered page's HTML, fetched from url, imported into this document (their relative links made
   absolute: they were written for that page's place), and the page's next page ("" on the day's last). */
export function pageCards(text, url) {
  var doc = new DOMParser().parseFromString(text, "text/html");
  var there = $("section.cards[data-batch-size]", doc);
  if (!there) throw new Error("no cards in " + url);
  $$("a[href]", there).forEach(function (a) { a.setAttribute("href", new URL(a.getAttribute("href"), url).href); });
  var next = there.getAttribute("data-next") || "";
  return { cards: $$("article.card", there).map(function (card) { return document.importNode(card, true); }),
           next: next ? new URL(next, url).href : "" };
}
/* Append the cards of a numbered page's HTML, hidden until their batch is shown. A card already here (one "For you"
   fetched ahead: static/js/foryou.js) gives way to its page's, so no id is twice on the page. */
function appendPage(text, url) {
  var page = pageCards(text, url);
  page.cards.forEach(function (card) {
    var twin = document.getElementById(card.id);
    if (twin && cards.indexOf(twin) >= 0) { cards.splice(cards.indexOf(twin), 1); twin.remove(); }
    card.hidden = true;
    section.appendChild(card);
  });
  cards.push.apply(cards, $$("article.card", section).slice(cards.length));
  nextPage = page.next;
  document.dispatchEvent(new CustomEvent("academichub:cards", { detail: cards.slice(cards.length - page.cards.length) }));
}
/* Fetch the next numbered page and append its cards; resolve when they are in. */
function loadNextPage() {
  var url = new URL(nextPage, location.href).href;
  return fetch(url).then(function (r) {
    if (!r.ok) throw new Error(r.status + " " + url);
    return r.text();
  }).then(function (text) { appendPage(text, url); });
}
/* Printed, a day's page holds the whole day: the cards of its later numbered pages are appended first (style.css
   prints hidden cards). Synchronously, because the browser lays the print out as soon as "beforeprint" returns; a
   page that fails leaves the print with the cards already here. */
export function loadRestForPrint() {
  while (section && nextPage) {
    var url = new URL(nextPage, location.href).href, request = new XMLHttpRequest();
    try {
      request.open("GET", url, false);
      request.send();
      if (request.status !== 200) return;
      appendPage(request.responseText, url);
    } catch (e) { return; }
  }
}

/* The card's authors' folded names, as the build wrote them (radar.keys). */
export function cardKeys(card) { return splitKeys(card.getAttribute("data-keys")); }

export function refreshCards() {
  if (!section) return;
  var author = currentAuthor(), onlyFollowed = $("#followed-only") && $("#followed-only").getAttribute("aria-pressed") === "true";
  var button = $("#another-batch"), status = $("#batch-status");
  if (author || onlyFollowed) {
    var key = author ? fold(author) : null;
    cards.forEach(function (card) {
      card.hidden = author ? cardKeys(card).indexOf(key) < 0 : !card.classList.contains("followed");
    });
    if (button) button.hidden = true;
    if (status) status.textContent = "";
    return;
  }
  var end = shownEnd;   // set where the batch changes: cards appended meanwhile do not join it
  cards.forEach(function (card, i) { card.hidden = i < at || i >= end; });
  if (button) {
    button.hidden = cards.length <= batchSize && !nextPage;
    if (status) status.textContent = fmt("batch_status", { start: first + at, end: first + end - 1, total: total });
  }
}
function show(start) { at = start; shownEnd = Math.min(cards.length, start + batchSize); }
/* The cards were put in another order ("For you", which may bring cards of other pages): the shown batch, from the
   same place, takes its full size again. */
export function reordered() { show(at); refreshCards(); }
export function showHashTarget() {
  // A link to one card (from search, a topic page or the radar) must land on its batch.
  if (!location.hash || !section) return;
  var id = location.hash.slice(1);
  try { id = decodeURIComponent(id); } catch (e) { /* a hand-typed `%` that encodes nothing: look it up as it is */ }
  var target = document.getElementById(id);
  var i = cards.indexOf(target);
  if (i >= 0 && target.hidden && !currentAuthor()) { show(Math.floor(i / batchSize) * batchSize); refreshCards(); target.scrollIntoView(); }
}
export function nextBatch() {
  var button = $("#another-batch");
  var next = shownEnd;
  if (next + batchSize > cards.length && nextPage) {   // the next batch is not all here: take the next page
    if (button.disabled) return;
    button.disabled = true;
    // Should the fetch fail, the next page is one ordinary link away.
    var fallback = new URL(nextPage, location.href).href;
    loadNextPage().then(function () { button.disabled = false; nextBatch(); },
                        function () { location.assign(fallback); });
    return;
  }
  show(next < cards.length ? next : 0);   // after the day's last card, the first batch again
  refreshCards();
  var first = cards[at];
  section.scrollIntoView({ block: "start" });
  var link = first && $(".title a", first);
  if (link) link.focus({ preventScroll: true });
}

/* Day pages: batches of cards ("another batch"), the author filter's and followed-only's hiding, #id links. */
import { $, $$, currentAuthor, splitKeys } from "./util.js";
import { fmt } from "./i18n.js";
import { fold } from "./fold.js";

export var section = $("section.cards[data-batch-size]");
export var cards = section ? $$("article.card", section) : [];
var batchSize = section ? parseInt(section.getAttribute("data-batch-size"), 10) || 20 : 20;
var batch = 0;

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
  var batches = Math.ceil(cards.length / batchSize);
  batch = Math.min(batch, batches - 1);
  cards.forEach(function (card, i) { card.hidden = Math.floor(i / batchSize) !== batch; });
  if (button) {
    button.hidden = batches < 2;
    var start = batch * batchSize + 1, end = Math.min(cards.length, start + batchSize - 1);
    if (status) status.textContent = fmt("batch_status", { start: start, end: end, total: cards.length });
  }
}
export function showHashTarget() {
  // A link to one card (from search, a topic page or the radar) must land on its batch.
  if (!location.hash || !section) return;
  var id = location.hash.slice(1);
  try { id = decodeURIComponent(id); } catch (e) { /* a hand-typed `%` that encodes nothing: look it up as it is */ }
  var target = document.getElementById(id);
  var i = cards.indexOf(target);
  if (i >= 0 && target.hidden && !currentAuthor()) { batch = Math.floor(i / batchSize); refreshCards(); target.scrollIntoView(); }
}
export function nextBatch() {
  batch = (batch + 1) % Math.ceil(cards.length / batchSize);
  refreshCards();
  var first = cards[batch * batchSize];
  section.scrollIntoView({ block: "start" });
  var link = first && $(".title a", first);
  if (link) link.focus({ preventScroll: true });
}

/* A card's actions that need a script: "more" on a clamped abstract, copy the card's link, download its BibTeX or
   RIS; and a page's whole citation download. The buttons' words are in the page once (#card-tools, translated
   with the page) and cloned into each card as it is shown. The citations are the build's text (digest/site/cite.py,
   a full day's cite.json): this script only picks and joins them, it never formats one. */
import { $, $$ } from "./util.js";

var tools = $("#card-tools");
var citeFiles = {};   // cite.json URL -> promise of its texts

function message(name) {
  var node = $('#card-tools [data-msg="' + name + '"], #page-cite [data-msg="' + name + '"]');
  return node ? node.textContent : name;
}
function texts(url) {
  if (!citeFiles[url]) {
    citeFiles[url] = fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return r.json();
    });
    citeFiles[url].catch(function () { delete citeFiles[url]; });   // a later click asks again
  }
  return citeFiles[url];
}
/* Offer text as a file: an <a download> on a blob, clicked (the page's own origin: nothing leaves the browser). */
function download(name, text, type) {
  var url = URL.createObjectURL(new Blob([text], { type: type + ";charset=utf-8" }));
  var a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
}
var FORMATS = { bibtex: [".bib", "application/x-bibtex"], ris: [".ris", "application/x-research-info-systems"] };
function fileName(id, format) { return id.replace(/[^A-Za-z0-9._-]+/g, "_") + FORMATS[format][0]; }
function say(status, text) {
  status.textContent = text;
  clearTimeout(status._t);
  status._t = setTimeout(function () { status.textContent = ""; }, 4000);
}

/* The cite.json of the day a card belongs to: its section's (a day page), resolved from this page's place. */
function citeUrlOf(node) {
  var box = node.closest("[data-cite]");
  return box ? new URL(box.getAttribute("data-cite"), location.href).href : null;
}
/* A card's lasting link: its day's page (the front page's cards are its first page: data-here), and its #id. */
function cardLink(card) {
  var box = card.closest("[data-here]");
  var page = box ? new URL(box.getAttribute("data-here"), location.href).href : location.href.replace(/#.*$/, "");
  return page + "#" + card.id.replace(/%/g, "%25");
}

function copyLink(card, status) {
  var link = cardLink(card);
  var copied = navigator.clipboard && navigator.clipboard.writeText ? navigator.clipboard.writeText(link) : Promise.reject();
  copied.then(function () { say(status, message("copied")); }, function () {
    // No clipboard (an insecure origin, a refused permission): the link is put in the address bar instead.
    history.replaceState(null, "", "#" + card.id);
    say(status, message("in_address_bar"));
  });
}
function citeCard(card, format, status) {
  var url = citeUrlOf(card);
  if (!url) return say(status, message("failed"));
  texts(url).then(function (data) {
    var text = data[format] && data[format][card.id];
    if (!text) throw new Error("no " + format + " for " + card.id);
    download(fileName(card.id, format), text, FORMATS[format][1]);
  }).catch(function () { say(status, message("failed")); });
}

/* Give one card its buttons (once): "more" on its abstract, then copy link, BibTeX, RIS on its actions line. */
export function equip(card) {
  if (!tools || card.hasAttribute("data-tools")) return;
  card.setAttribute("data-tools", "");
  var actions = $(".actions", card);
  if (!actions) return;
  var abstract = $(".abstract", card);
  if (abstract) {
    var more = $(".more", tools).cloneNode(true);
    more.addEventListener("click", function () {
      var open = abstract.classList.toggle("open");
      more.setAttribute("aria-expanded", open ? "true" : "false");
    });
    actions.insertBefore(more, actions.firstChild);
    actions.insertBefore(document.createTextNode(" "), more.nextSibling);
    var text = $("p", abstract);
    if (clamps && text) clamps.observe(text);
  }
  var status = $(".done", tools).cloneNode(true);
  $$(".copy, .cite", tools).forEach(function (button) {
    var mine = button.cloneNode(true);
    mine.addEventListener("click", function () {
      if (mine.classList.contains("copy")) copyLink(card, status);
      else citeCard(card, mine.getAttribute("data-format"), status);
    });
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(mine);
  });
  actions.appendChild(document.createTextNode(" "));
  actions.appendChild(status);
}
/* "More" only where the clamp hides something (a short abstract shows whole). Measured by a ResizeObserver, whose
   callback runs after the browser's own layout: the page's load forces no layout per card (Lighthouse counted
   ~50 forced layouts, a long task of 0.1-0.8 s), and a card hidden in a later batch is measured when it is shown.
   All reads first, then all writes. */
var clamps = typeof ResizeObserver === "function" ? new ResizeObserver(function (entries) {
  var fits = entries.map(function (e) { return e.target.scrollHeight <= e.target.clientHeight + 1; });
  entries.forEach(function (e, i) {
    var card = e.target.closest("article.card"), more = card && $(".actions .more", card);
    if (more && e.target.clientHeight) more.hidden = fits[i] && !$(".abstract.open", card);
  });
}) : null;

/* The page's whole citation: every paper of the day (a day page) or every entry listed (a topic page), in order. */
function citePage(format, status) {
  var boxes = $$("[data-cite]");
  Promise.all(boxes.map(function (box) { return texts(new URL(box.getAttribute("data-cite"), location.href).href); }))
    .then(function (all) {
      var out = [];
      all.forEach(function (data, i) {
        var box = boxes[i], chosen = data[format] || {};
        var ids = box.hasAttribute("data-cite-all") ? Object.keys(chosen) : $$("a[href*='#']", box).map(function (a) {
          return decodeURIComponent(a.getAttribute("href").split("#")[1]);
        });
        ids.forEach(function (id) { if (chosen[id]) out.push(chosen[id]); });
      });
      if (!out.length) throw new Error("nothing to cite");
      var name = location.pathname.replace(/\/(index\.html)?$/, "").split("/").filter(Boolean).join("-") || "papers";
      download(name + FORMATS[format][0], out.join(format === "bibtex" ? "\n" : ""), FORMATS[format][1]);
    }).catch(function () { say(status, message("failed")); });
}

export function initCardTools(cards) {
  var page = $("#page-cite");
  if (page && $("[data-cite]")) {
    page.hidden = false;
    var status = $(".done", page);
    $$("button[data-format]", page).forEach(function (b) {
      b.addEventListener("click", function () { citePage(b.getAttribute("data-format"), status); });
    });
  }
  cards.forEach(equip);
  document.addEventListener("academichub:cards", function (ev) { ev.detail.forEach(equip); });
}

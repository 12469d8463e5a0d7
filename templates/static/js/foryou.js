/* "For you": the reader's stars (★ on each card), kept in this browser's localStorage under named interests, and an
   order of the page's cards by closeness to the current interest's stars, each ranked card saying why; "new since
   your last visit" marks. Nothing is sent anywhere: the only file read is the day's vectors file, fetched when the
   reader turns "For you" on or stars a card. Its name, its row size, each kind of row's name and "close" cosine (by
   the number the file's first byte holds) are the build's (digest/site/foryou.py, on the cards' section); a card's
   row is its number. A star keeps its paper's vector, so a star from another day ranks today's cards without looking
   anything up (one of another vectoriser: see adopt). The script adds every control: with JavaScript off the page is
   as the build wrote it. */
import { $, $$, el, load, store, ROOT } from "./util.js";
import { fmt } from "./i18n.js";
import { section, cards, reordered } from "./cards.js";

var KEY = "academichub.foryou", SEEN = "academichub.seen", BEFORE = "academichub.seen.before";
var LINK = "#foryou=";
var dims = section ? parseInt(section.getAttribute("data-vector-dims"), 10) : 0;
var kinds = section ? JSON.parse(section.getAttribute("data-close")) : [];   // [[kind, close], ...]
var vectorsUrl = section && section.getAttribute("data-vectors");
var files = {};     // a file's URL -> the promise of what it holds
var adopted = {};   // the days read for stars of another vectoriser, on this page
var paging = null;  // static/js/foryou-pages.js, once ranking a day of several numbered pages

/* The saved state: { on, current, interests: [{ name, stars: [{ id, day, title, v (base64 vector), m (base64 of its vectoriser's row) }] }] }. */
function state() {
  var s = null;
  try { s = JSON.parse(load(KEY) || "null"); } catch (e) { s = null; }
  if (!s || !Array.isArray(s.interests)) s = { on: false, current: "", interests: [] };
  if (!s.interests.length) s.interests.push({ name: fmt("foryou_default") || "1", stars: [] });
  if (!interestOf(s, s.current)) s.current = s.interests[0].name;
  return s;
}
function save(s) { store(KEY, JSON.stringify(s)); }
function interestOf(s, name) { return s.interests.filter(function (i) { return i.name === name; })[0]; }
function current(s) { return interestOf(s, s.current); }
function starOf(interest, id) { return interest.stars.filter(function (st) { return st.id === id; })[0]; }

function toBase64(bytes) { return btoa(String.fromCharCode.apply(null, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))); }
function fromBase64(text) {
  try { var raw = atob(text); } catch (e) { return null; }
  var out = new Int8Array(raw.length);
  for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i) << 24 >> 24;
  return out.length === dims ? out : null;
}
/* A file of this page's day (its vectors file, its cite.json), of another day. */
var DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
function ofDay(url, day) { return day ? url.replace(/[0-9]{4}-[0-9]{2}-[0-9]{2}(\/[^\/]*)$/, day + "$1") : url; }
function fetched(url, read) {
  url = new URL(url, location.href).href;
  if (!files[url]) {
    files[url] = fetch(url).then(function (r) {
      if (!r.ok) throw new Error(r.status + " " + url);
      return read(r);
    });
    files[url].catch(function () { delete files[url]; });   // asked again next time
  }
  return files[url];
}
function dayVectors(day) { return fetched(ofDay(vectorsUrl, day), function (r) { return r.arrayBuffer().then(function (b) { return new Int8Array(b); }); }); }
/* The card's number (the build's "01.") is its row in the day's vectors file; row 0 names the vectoriser. */
function made(all) { return toBase64(all.subarray(0, dims)); }
function rowAt(all, n) { var v = all.subarray(n * dims, (n + 1) * dims); return n > 0 && v.length === dims ? v : null; }
function row(all, card) { return rowAt(all, number(card)); }
function number(card) { return parseInt($(".num a", card).textContent, 10); }

/* -- the stars ---------------------------------------------------------------------------------------------- */

function equip(card) {
  if (card.classList.contains("has-star") || !$(".num", card)) return;
  var b = el("button", { type: "button", "class": "star", "aria-pressed": "false", "data-i18n-attr": "aria-label:foryou_star;title:foryou_star",
                         "aria-label": fmt("foryou_star") || "★", title: fmt("foryou_star") || "★" }, "☆");
  b.addEventListener("click", function () { toggleStar(card); });
  // Beside the number, not in it (its text is the card's number), placed by style.css where nothing moves.
  $(".num", card).after(b);
  card.classList.add("has-star");
}
function showStars(s) {
  var interest = current(s);
  cards.forEach(function (card) {
    var b = $(".star", card), on = !!starOf(interest, card.id);
    if (!b) return;
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.textContent = on ? "★" : "☆";
  });
  say($("#foryou-count"), "foryou_stars", { count: interest.stars.length, interest: interest.name });
}
function toggleStar(card) {
  var s = state(), interest = current(s), had = starOf(interest, card.id);
  if (had) interest.stars.splice(interest.stars.indexOf(had), 1);
  else interest.stars.push({ id: card.id, day: card.getAttribute("data-day"), title: $(".title", card).textContent.trim(), v: "" });
  save(s);
  showStars(s);
  if (had) return refresh();
  // The star keeps its paper's vector: later days rank by it without this day's file.
  dayVectors().then(function (all) {
    var v = row(all, card), s2 = state(), star = starOf(current(s2), card.id);
    if (v && star) { star.v = toBase64(v); star.m = made(all); save(s2); }
    refresh();
  }, function () { refresh(); });
}

/* -- the order ---------------------------------------------------------------------------------------------- */

function arrange(order) {
  var inPlace = $$("article.card", section).every(function (card, i) { return card === order[i]; });
  cards.splice.apply(cards, [0, cards.length].concat(order));
  if (!inPlace) {
    var focused = document.activeElement;   // moving a card would drop the focus of its star
    order.forEach(function (card) { section.appendChild(card); });
    if (focused && focused !== document.activeElement && section.contains(focused)) focused.focus({ preventScroll: true });
  }
  reordered();
}
function reason(card, star) {
  var p = $(".foryou-reason", card);
  if (!star) { if (p) p.remove(); return; }
  if (!p) { p = el("p", { "class": "foryou-reason" }); $(".meta", card).after(p); }
  say(p, "foryou_reason", { title: star.title });
}
/* The page's cards, with the day's best of its other numbered pages (static/js/foryou-pages.js), in "For you"'s order
   (static/js/foryou-order.js), both loaded now; a reason on those close to a star. A star is compared only with
   vectors of the vectoriser that made its own (a model's and the local one's are not). */
function rank(s) {
  var status = $("#foryou-status");
  var paged = section.hasAttribute("data-pages") ? import("./foryou-pages.js") : null;
  Promise.all([dayVectors(), import("./foryou-order.js"), paged]).then(function (got) {
    var all = got[0], madeBy = made(all), kind = kinds[all[0]] || [];
    if (!state().on) return;
    adopt(all, current(s));
    var stars = current(s).stars.filter(function (st) { return st.m === madeBy; })
      .map(function (st) { return { star: st, v: fromBase64(st.v) }; }).filter(function (x) { return x.v; });
    var rankRows = function (rows) { return got[1].ranked(kind[0], kind[1], rows, stars); };
    if (got[2] && !paging) paging = got[2].dayPages({ number: number, rowAt: rowAt, fetched: fetched, again: refresh,
                                                      on: function () { return state().on; } });
    if (paging) paging.prepare(rankRows, all, stars);
    var done = rankRows(cards.map(function (card) { return { card: card, id: card.id, n: number(card), v: row(all, card) }; }));
    cards.forEach(function (card) { reason(card, null); });
    done.near.forEach(function (x) { reason(x.card, x.star); });
    arrange(done.order);
    // The line says the order as it is (foryou_ranked): done.near are the cards given a reason.
    say(status, !current(s).stars.length ? "foryou_none" : stars.length ? "foryou_ranked" : "foryou_unranked",
        { count: done.near.length });
  }, function () { say(status, "foryou_unavailable"); });
}
/* Stars of another vectoriser (made before a change of it) take their paper's vector from their own day's file (its
   cite.json lists the cards' ids in order) once that file is of this page's vectoriser; the page ranks again. */
function adopt(all, interest) {
  var madeBy = made(all), days = {};
  // A star's day may come from an imported link: only a date names a file to ask for.
  interest.stars.forEach(function (st) { if (st.m !== madeBy && DAY.test(st.day) && !adopted[st.day]) days[st.day] = true; });
  Object.keys(days).forEach(function (day) {
    adopted[day] = true;
    var ids = fetched(ofDay(section.getAttribute("data-cite"), day), function (r) { return r.json(); });
    Promise.all([dayVectors(day), ids]).then(function (got) {
      if (made(got[0]) !== madeBy) return;
      var order = Object.keys((got[1] && got[1].bibtex) || {}), s = state(), changed = 0;
      s.interests.forEach(function (i) {
        i.stars.forEach(function (st) {
          var v = st.day === day && st.m !== madeBy && rowAt(got[0], order.indexOf(st.id) + 1);
          if (v) { st.v = toBase64(v); st.m = madeBy; changed++; }
        });
      });
      if (changed) { save(s); refresh(); }
    }, function () { /* gone (a compact day now): the star ranks nothing */ });
  });
}
/* Off, the page is as built. */
function unrank() {
  if (paging) paging.leave();
  cards.forEach(function (card) { reason(card, null); });
  arrange(cards.slice().sort(function (a, b) { return number(a) - number(b); }));
  say($("#foryou-status"), null);
}
export function refresh() {
  if (!section) return;
  var s = state(), toggle = $("#foryou-toggle");
  showStars(s);
  if (toggle) toggle.setAttribute("aria-pressed", s.on ? "true" : "false");
  if (s.on) rank(s); else unrank();
}

/* A message in the reader's language, tagged so a switch of language translates it again (null: empty). */
function say(node, key, args) {
  if (!node) return;
  if (!key) { node.textContent = ""; node.removeAttribute("data-i18n"); return; }
  node.setAttribute("data-i18n", key);
  if (args) node.setAttribute("data-i18n-args", JSON.stringify(args)); else node.removeAttribute("data-i18n-args");
  node.textContent = fmt(key, args) || "";
}

/* -- interests, export and import --------------------------------------------------------------------------- */

function button(id, key) { var b = el("button", { type: "button", id: id, "class": "ghost" }); say(b, key); return b; }
function labelled(key, control) { var l = el("label"), t = el("span"); say(t, key); l.appendChild(t); l.appendChild(document.createTextNode(" ")); l.appendChild(control); return l; }
function line() {
  var p = el("p");
  Array.prototype.forEach.call(arguments, function (node, i) { if (i) p.appendChild(document.createTextNode(" ")); p.appendChild(node); });
  return p;
}
/* One short line (card 01 stays on a phone's first screen); the rest behind a summary. */
function panel() {
  var box = el("div", { "class": "foryou", id: "foryou" }), manage = el("details", { "class": "foryou-manage" });
  var summary = el("summary"), select = el("select", { id: "foryou-interest", "data-i18n-attr": "aria-label:foryou_interest",
                                                        "aria-label": fmt("foryou_interest") || "" });
  say(summary, "foryou_manage");
  manage.appendChild(summary);
  manage.appendChild(line(el("span", { id: "foryou-count", "class": "count" })));
  manage.appendChild(line(labelled("foryou_name", el("input", { id: "foryou-name", type: "text", maxlength: "60" })),
                          button("foryou-new", "foryou_new"), button("foryou-rename", "foryou_rename"), button("foryou-delete", "foryou_delete")));
  manage.appendChild(line(button("foryou-export", "foryou_export"), el("input", { id: "foryou-link", type: "text", readonly: "", "aria-label": "URL" })));
  manage.appendChild(line(labelled("foryou_import_label", el("input", { id: "foryou-import-text", type: "text" })), button("foryou-import", "foryou_import")));
  [button("foryou-toggle", "foryou"), select, manage, el("span", { id: "foryou-status", "class": "count", role: "status" }),
   el("span", { id: "foryou-note", "class": "count", role: "status" })].forEach(function (node) { box.appendChild(node); });
  $("#foryou-toggle", box).setAttribute("aria-pressed", "false");
  return box;
}
function showInterests(s) {
  var select = $("#foryou-interest");
  select.textContent = "";
  s.interests.forEach(function (i) { select.appendChild(el("option", { value: i.name }, i.name)); });
  select.value = s.current;
}
function change(edit) { var s = state(); edit(s); save(s); showInterests(s); refresh(); }
function named() { return $("#foryou-name").value.trim(); }

/* Merge an exported link's interests (static/js/foryou-link.js) into this browser's; a promise of the stars added
   (-1: nothing readable). */
function importText(text) {
  return import("./foryou-link.js").then(function (link) {
    var data = link.readLink(text, LINK, dims), s = state(), added = 0;
    if (!data) return -1;
    data.forEach(function (item) {
      var interest = interestOf(s, item.name);
      if (!interest) { interest = { name: item.name, stars: [] }; s.interests.push(interest); }
      item.stars.forEach(function (st) { if (!starOf(interest, st.id)) { interest.stars.push(st); added++; } });
    });
    if (!interestOf(s, s.current) || !current(s).stars.length) s.current = (s.interests.filter(function (i) { return i.stars.length; })[0] || s.interests[0]).name;
    save(s);
    return added;
  });
}
function reportImport(added) {
  var s = state();
  showInterests(s);
  refresh();
  say($("#foryou-note"), added < 0 ? "foryou_bad_import" : "foryou_imported", added < 0 ? null : { count: added });
}
function wire() {
  $("#foryou-toggle").addEventListener("click", function () { change(function (s) { s.on = !s.on; }); });
  $("#foryou-interest").addEventListener("change", function (ev) { change(function (s) { s.current = ev.target.value; }); });
  $("#foryou-new").addEventListener("click", function () {
    var name = named() || fmt("foryou_default") + " " + (state().interests.length + 1);
    change(function (s) { if (!interestOf(s, name)) s.interests.push({ name: name, stars: [] }); s.current = name; });
  });
  $("#foryou-rename").addEventListener("click", function () {
    var name = named();
    if (name) change(function (s) { if (!interestOf(s, name)) { current(s).name = name; s.current = name; } });
  });
  $("#foryou-delete").addEventListener("click", function () {
    change(function (s) { s.interests.splice(s.interests.indexOf(current(s)), 1); s.current = ""; });
  });
  $("#foryou-export").addEventListener("click", function () {
    import("./foryou-link.js").then(function (link) {
      var box = $("#foryou-link");
      box.value = new URL(ROOT, location.href).href + LINK + link.linkText(state().interests);
      box.select();
    });
  });
  $("#foryou-import").addEventListener("click", function () { importText($("#foryou-import-text").value.trim()).then(reportImport); });
}

/* -- new since the last visit ------------------------------------------------------------------------------- */

function session(key, value) {
  try { if (value === undefined) return sessionStorage.getItem(key); sessionStorage.setItem(key, value); } catch (e) { return null; }
  return value;
}
/* The newest day the reader had seen before this visit (a visit: this tab's session), and this page's day seen. */
function markNew() {
  var before = session(BEFORE);
  if (before == null) before = session(BEFORE, load(SEEN) || "");
  cards.forEach(function (card) {
    var day = card.getAttribute("data-day") || "", mark = $(".new-mark", card);
    if (before && day > before && !mark) { mark = el("span", { "class": "new-mark" }); say(mark, "new_since_visit"); $(".meta", card).appendChild(mark); }
    if (day > (load(SEEN) || "")) store(SEEN, day);
  });
}

export function initForYou() {
  if (!section || !dims || !vectorsUrl) return;
  cards.forEach(equip);
  markNew();
  section.before(panel());   // right above the cards it orders (in their column, beside a wide screen's briefing)
  wire();
  var link = location.hash.indexOf(LINK) === 0 ? location.hash : null;
  if (link) history.replaceState(null, "", location.pathname + location.search);
  showInterests(state());
  if (link) importText(link).then(reportImport); else refresh();
  document.addEventListener("academichub:cards", function (ev) {
    if (paging) paging.arrived(ev.detail);
    ev.detail.forEach(equip);
    markNew();
    if (state().on) refresh(); else showStars(state());
  });
}

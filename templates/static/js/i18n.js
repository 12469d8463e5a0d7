/* The language switch: interface strings from static/i18n/<lang>.json, the choice kept in localStorage. */
import { html, ROOT, DEFAULT, LANGS, $, $$, store, load, params } from "./util.js";

var LANG_KEY = "academichub.lang";
var catalogs = {}, cat = {};
export var lang = DEFAULT;

export function fmt(key, args) {
  if (!cat[key] && !(catalogs[DEFAULT] || {})[key]) return key === "author_filter" ? "Author" : null;
  var text = cat[key] != null ? cat[key] : (catalogs[DEFAULT] || {})[key];
  if (text == null) return null;
  return String(text).replace(/\{(\w+)\}/g, function (m, name) {
    var v = args && args[name];
    if (typeof v === "string" && v.charAt(0) === "@") v = cat[v.slice(1)] != null ? cat[v.slice(1)] : v.slice(1);
    return v == null ? m : String(v);
  });
}
function getCatalog(code) {
  if (catalogs[code]) return Promise.resolve(catalogs[code]);
  return fetch(ROOT + "static/i18n/" + code + ".json").then(function (r) {
    if (!r.ok) throw new Error("catalog " + code + ": HTTP " + r.status);
    return r.json();
  }).then(function (data) { catalogs[code] = data; return data; });
}
function applyLanguage() {
  $$("[data-i18n]").forEach(function (node) {
    var args = node.getAttribute("data-i18n-args");
    var text = fmt(node.getAttribute("data-i18n"), args ? JSON.parse(args) : null);
    if (text != null) node.textContent = text;
    // Inside a card only the interface words change language; the paper's own text keeps the page's.
    if (node.closest("article.card, li.entry")) node.setAttribute("lang", htmlLang(lang));
  });
  $$("article.card, li.entry").forEach(function (node) { node.setAttribute("lang", htmlLang(DEFAULT)); });
  $$("[data-i18n-attr]").forEach(function (node) {
    node.getAttribute("data-i18n-attr").split(";").forEach(function (pair) {
      var parts = pair.split(":"), text = fmt(parts[1]);
      if (text != null) node.setAttribute(parts[0], text);
    });
  });
  $$("option[data-i18n-opt]").forEach(function (node) { node.textContent = fmt(node.getAttribute("data-i18n-opt")); });
  // Summaries: a second language exists only where the archive has one.
  $$(".summary").forEach(function (node) {
    if (!node.hasAttribute("data-summary-" + DEFAULT)) node.setAttribute("data-summary-" + DEFAULT, node.textContent);
    var text = node.getAttribute("data-summary-" + lang);
    node.textContent = text != null ? text : node.getAttribute("data-summary-" + DEFAULT);
    node.setAttribute("lang", text != null ? htmlLang(lang) : htmlLang(DEFAULT));
  });
  // Blocks written in several languages (the daily briefing): show the chosen one, else the default.
  $$("[data-lang-variants]").forEach(function (box) {
    var kids = $$("[data-variant]", box).filter(function (k) { return k.parentNode === box; });
    var has = kids.some(function (k) { return k.getAttribute("data-variant") === lang; });
    kids.forEach(function (k) { k.hidden = k.getAttribute("data-variant") !== (has ? lang : DEFAULT); });
  });
  html.setAttribute("lang", htmlLang(lang));
  $$("#lang-switch button").forEach(function (b) {
    b.setAttribute("aria-pressed", b.getAttribute("data-lang") === lang ? "true" : "false");
  });
  var h1 = $("main h1");
  if (h1 && !$(".hero")) document.title = h1.textContent.trim() + " · " + ($(".brand a") || {}).textContent;
}
function htmlLang(code) { return code === "zh" ? "zh-Hans" : code; }
export function setLanguage(code, remember) {
  if (LANGS.indexOf(code) < 0) code = DEFAULT;
  if (remember) store(LANG_KEY, code);
  return getCatalog(code).then(function (data) { lang = code; cat = data; applyLanguage(); });
}
export function keepDefault() { lang = DEFAULT; }
export function chosenLanguage() {
  var asked = params().get("lang");
  if (asked && LANGS.indexOf(asked) >= 0) { store(LANG_KEY, asked); return asked; }
  var kept = load(LANG_KEY);
  return kept && LANGS.indexOf(kept) >= 0 ? kept : DEFAULT;
}

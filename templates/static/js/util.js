/* Small helpers every feature module shares: the page's settings, DOM look-ups, localStorage, URL parameters. */
export const html = document.documentElement;
export const ROOT = html.getAttribute("data-root") || "./";

export function $(sel, el) { return (el || document).querySelector(sel); }
export function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
export function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
export function load(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
export function params() { return new URLSearchParams(location.search); }
export function currentAuthor() { return params().get("author"); }
export function el(tag, attrs, text) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  if (text != null) node.textContent = text;
  return node;
}
/* The search code (static/js/search.js and the index reader searchindex.js, about a fifth of the reader scripts),
   loaded only when a page searches: the search page (which preloads it), the author filter's other papers, the
   radar's follows. A module is fetched once, however many ask. */
export function searchPage() { return import("./search.js"); }
export function searchIndex() { return import("./searchindex.js"); }
/* The "|"-joined attribute or row field as a list ("" is no names). */
export function splitKeys(text) { return text ? text.split("|") : []; }

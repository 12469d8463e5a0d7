/* The reader's language from the first paint (written by the build as static/i18n/lang.js, from templates/lang.js).
   A classic script in <head>, run before the body is parsed: it reads the stored choice (?lang= or localStorage),
   sets it on <html data-lang>, and translates each interface string as the parser adds it, in the mutation
   observer's callback, which runs before the browser next renders: a reader of another language than the page's
   never sees the page's. An element is translated once the parser has closed it (setting the text of an open one
   would have the parser append the rest of the original); until then it is [data-i18n-wait], which style.css hides.
   The messages are the build's (digest/i18n.py), plural messages as their forms: "=1" and the like, else "other". */
(function () {
  "use strict";
  var DATA = {{ data }};   // JSON (digest/site/pages.py catalogs)
  var KEY = "academichub.lang", WAIT = "data-i18n-wait";
  var html = document.documentElement;
  var DEFAULT = html.getAttribute("data-lang") || "en";
  var SEL = "[data-i18n],[data-i18n-attr],option[data-i18n-opt],.summary,[data-variant],article.card,li.entry";
  var lang = DEFAULT, cat = DATA.messages[DEFAULT] || {};

  function store(code) { try { localStorage.setItem(KEY, code); } catch (e) { /* private mode */ } }
  function chosen() {
    var asked = null, kept = null;
    try { asked = new URLSearchParams(location.search).get("lang"); } catch (e) { /* no URLSearchParams */ }
    if (asked && DATA.messages[asked]) { store(asked); return asked; }
    try { kept = localStorage.getItem(KEY); } catch (e) { /* storage refused */ }
    return kept && DATA.messages[kept] ? kept : DEFAULT;
  }
  function message(key) {
    return cat[key] != null ? cat[key] : (DATA.messages[DEFAULT] || {})[key];
  }
  function fmt(key, args) {
    var text = message(key);
    if (text == null) return null;
    if (typeof text === "object") text = text["=" + (args && args.count)] || text.other;
    return String(text).replace(/\{(\w+)\}/g, function (m, name) {
      var v = args && args[name];
      // "@key": another message as the value (the build writes one only for a key it has); any other text as it is.
      if (typeof v === "string" && v.charAt(0) === "@" && message(v.slice(1)) != null) v = message(v.slice(1));
      return v == null ? m : String(v);
    });
  }
  function htmlLang(code) { return DATA.html[code] || code; }
  function setText(node) {
    if (node.hasAttribute("data-i18n")) {
      var args = node.getAttribute("data-i18n-args");
      var text = fmt(node.getAttribute("data-i18n"), args ? JSON.parse(args) : null);
      if (text != null) node.textContent = text;
      // Inside a card only the interface words change language; the paper's own text keeps the page's.
      if (node.closest("article.card, li.entry")) node.setAttribute("lang", htmlLang(lang));
    } else if (node.hasAttribute("data-i18n-opt")) {
      node.textContent = fmt(node.getAttribute("data-i18n-opt"));
    } else if (node.classList.contains("summary")) {
      // A second language exists only where the archive has one. Each is the build's HTML (digest/site/cards.py:
      // the text escaped, its math the MathML of digest/site/mathml.py), so it goes in as markup, never as text.
      if (!node.hasAttribute("data-summary-" + DEFAULT)) node.setAttribute("data-summary-" + DEFAULT, node.innerHTML);
      var own = node.getAttribute("data-summary-" + lang);
      node.innerHTML = own != null ? own : node.getAttribute("data-summary-" + DEFAULT);
      node.setAttribute("lang", htmlLang(own != null ? lang : DEFAULT));
    }
  }
  /* Whatever the start tag says: attributes, a briefing variant's visibility, a card's own language. */
  function setAttributes(node) {
    var pairs = node.getAttribute("data-i18n-attr");
    if (pairs) pairs.split(";").forEach(function (pair) {
      var parts = pair.split(":"), text = fmt(parts[1]);
      if (text != null) node.setAttribute(parts[0], text);
    });
    var box = node.hasAttribute("data-variant") && node.parentNode;
    if (box && box.hasAttribute("data-lang-variants")) {   // the chosen language's briefing, else the default's
      var has = (" " + box.getAttribute("data-lang-variants") + " ").indexOf(" " + lang + " ") >= 0;
      node.hidden = node.getAttribute("data-variant") !== (has ? lang : DEFAULT);
    }
    if (node.matches("article.card, li.entry")) node.setAttribute("lang", htmlLang(DEFAULT));
  }
  function hasText(node) { return node.matches("[data-i18n],option[data-i18n-opt],.summary"); }
  function translate(node) { setAttributes(node); if (hasText(node)) setText(node); }
  function translateAll(root) {
    if (root.matches && root.matches(SEL)) translate(root);
    Array.prototype.forEach.call(root.querySelectorAll(SEL), translate);
  }
  function mark(code) {
    html.setAttribute("data-lang", code);
    html.setAttribute("lang", htmlLang(code));
    var title = document.querySelector("title[data-i18n]");
    if (title) setText(title);
  }
  function set(code, remember) {
    if (!DATA.messages[code]) code = DEFAULT;
    if (remember) store(code);
    lang = code;
    cat = DATA.messages[code];
    mark(code);
    translateAll(document);
  }

  /* While the page is parsed: each element as it arrives, its text once the parser has moved past it. */
  var waiting = [];
  function lastNode() {
    var node = html;
    while (node.lastChild) node = node.lastChild;
    return node;
  }
  function settle(final) {
    var last = lastNode();
    waiting = waiting.filter(function (node) {
      if (!final && node.contains(last)) return true;
      node.removeAttribute(WAIT);
      setText(node);
      return false;
    });
  }
  function arrived(node) {
    if (node.hasAttribute(WAIT)) return;   // reported with its parent's subtree and on its own
    setAttributes(node);
    if (!hasText(node)) return;
    node.setAttribute(WAIT, "");
    waiting.push(node);
  }
  function watch() {
    function added(records, final) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, function (node) {
          if (node.nodeType !== 1) return;
          if (node.matches(SEL)) arrived(node);
          Array.prototype.forEach.call(node.querySelectorAll(SEL), arrived);
        });
      });
      settle(final);
    }
    var seen = new MutationObserver(function (records) { added(records, false); });
    seen.observe(html, { childList: true, subtree: true });
    document.addEventListener("DOMContentLoaded", function () {
      var rest = seen.takeRecords();
      seen.disconnect();
      added(rest, true);   // the document is complete: every element is closed
    });
  }

  lang = chosen();
  cat = DATA.messages[lang];
  if (lang !== DEFAULT) {
    mark(lang);
    watch();
  }
  window.academichubLang = {
    DEFAULT: DEFAULT, LANGS: Object.keys(DATA.messages), fmt: fmt, set: set, translate: translateAll,
    current: function () { return lang; }
  };
})();

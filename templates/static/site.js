/* AcademicHub reader script: language switch, author filter, another batch, search, reader radar.
   Plain JavaScript, no library, nothing sent anywhere: it only reads this site's own files and
   keeps the reader's choices in localStorage. With it off, every page reads in the default language. */
(function () {
  "use strict";
  var html = document.documentElement;
  var ROOT = html.getAttribute("data-root") || "./";
  var DEFAULT = html.getAttribute("data-lang") || "en";
  var LANGS = (html.getAttribute("data-langs") || DEFAULT).split(" ");
  var LANG_KEY = "academichub.lang", FOLLOW_KEY = "academichub.follows";
  var catalogs = {}, lang = DEFAULT, cat = {};

  function $(sel, el) { return (el || document).querySelector(sel); }
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }
  function store(key, value) { try { localStorage.setItem(key, value); } catch (e) { /* private mode */ } }
  function load(key) { try { return localStorage.getItem(key); } catch (e) { return null; } }
  function params() { return new URLSearchParams(location.search); }
  function fold(s) { return String(s).normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim(); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  /* ---- messages ------------------------------------------------------------------------------ */
  function fmt(key, args) {
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
  function setLanguage(code, remember) {
    if (LANGS.indexOf(code) < 0) code = DEFAULT;
    if (remember) store(LANG_KEY, code);
    return getCatalog(code).then(function (data) { lang = code; cat = data; applyLanguage(); });
  }
  function chosenLanguage() {
    var asked = params().get("lang");
    if (asked && LANGS.indexOf(asked) >= 0) { store(LANG_KEY, asked); return asked; }
    var kept = load(LANG_KEY);
    return kept && LANGS.indexOf(kept) >= 0 ? kept : DEFAULT;
  }

  /* ---- the search index: a list of monthly shards, fetched newest first, each once ------------- */
  var manifest = null, shards = {};
  function getManifest() {
    if (manifest) return Promise.resolve(manifest);
    return fetch(ROOT + "search/index.json").then(function (r) { return r.json(); })
      .then(function (data) { manifest = data; return data; });
  }
  function getShard(info) {
    if (shards[info.file]) return Promise.resolve(shards[info.file]);
    return fetch(ROOT + "search/" + info.file).then(function (r) { return r.json(); }).then(function (data) {
      var rows = data.papers.map(function (p) {
        return { id: p[0], day: p[1], title: p[2], authors: p[3] ? p[3].split("|") : [], summary: p[4], topics: p[5],
                 hay: fold(p[2] + " " + p[3].replace(/\|/g, " ") + " " + p[4]) };
      });
      shards[info.file] = rows;
      return rows;
    });
  }
  /* Walk the shards from `start`, collecting matches until `want` are found; resolve {hits, next}. */
  function scan(test, start, want, maxShards) {
    return getManifest().then(function (m) {
      var hits = [], stop = Math.min(m.shards.length, start + (maxShards || m.shards.length));
      function step(i) {
        if (i >= stop || hits.length >= want) return Promise.resolve({ hits: hits, next: i < m.shards.length ? i : -1 });
        return getShard(m.shards[i]).then(function (rows) {
          rows.forEach(function (row) { if (test(row)) hits.push(row); });
          return step(i + 1);
        });
      }
      return step(start);
    });
  }
  function paperLink(row) { return ROOT + row.day + "/#" + row.id.replace(/%/g, "%25"); }  // as cardhtml.card_fragment
  function resultItem(row) {
    var li = el("li", { "class": "result" });
    li.appendChild(el("a", { href: paperLink(row) }, row.title));
    if (row.authors.length) li.appendChild(el("span", { "class": "by" }, " " + row.authors.slice(0, 3).join(", ") + (row.authors.length > 3 ? " et al." : "")));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("time", { datetime: row.day }, row.day));
    if (row.summary) { li.appendChild(el("br")); li.appendChild(el("span", { "class": "sum" }, row.summary)); }
    return li;
  }
  function authorTest(name) { var f = fold(name); return function (row) { return row.authors.some(function (a) { return fold(a) === f; }); }; }
  function wordsTest(query) {
    var words = fold(query).split(" ").filter(Boolean);
    return function (row) { return words.every(function (w) { return row.hay.indexOf(w) >= 0; }); };
  }

  /* ---- the reader's radar (localStorage only) ------------------------------------------------ */
  function follows() {
    try { var list = JSON.parse(load(FOLLOW_KEY) || "[]"); return Array.isArray(list) ? list : []; } catch (e) { return []; }
  }
  function saveFollows(list) { store(FOLLOW_KEY, JSON.stringify(list)); markFollowed(); renderFollows(); }
  function follow(kind, value) {
    value = value.trim();
    if (value.length < 2) return;
    var list = follows();
    if (!list.some(function (f) { return f.kind === kind && fold(f.value) === fold(value); })) list.push({ kind: kind, value: value });
    saveFollows(list);
  }
  function followTest(list) {
    return function (authors, text) {
      var hay = fold(text), folded = authors.map(fold);
      return list.filter(function (f) {
        return f.kind === "author" ? folded.indexOf(fold(f.value)) >= 0 : hay.indexOf(fold(f.value)) >= 0;
      }).map(function (f) { return f.value; });
    };
  }
  function cardAuthors(card) { var a = card.getAttribute("data-authors"); return a ? a.split("|") : []; }
  function markFollowed() {
    var list = follows(), test = followTest(list);
    $$("article.card, li.entry").forEach(function (card) {
      var hits = test(cardAuthors(card), card.textContent);
      var mark = $(".follow-mark", card);
      card.classList.toggle("followed", hits.length > 0);
      if (hits.length && !mark) {
        mark = el("span", { "class": "follow-mark" });
        if ($(".meta", card)) $(".meta", card).appendChild(mark); else card.insertBefore(mark, $("br", card));
      }
      if (mark) { if (hits.length) mark.textContent = " " + fmt("followed_mark") + ": " + hits.join(", "); else mark.remove(); }
    });
    var toggle = $("#followed-only");
    if (toggle) {
      toggle.hidden = list.length === 0;
      if (!list.length) toggle.setAttribute("aria-pressed", "false");
    }
    refreshCards();
  }

  /* ---- day pages: author filter, followed-only, another batch --------------------------------- */
  var section = $("section.cards[data-batch-size]");
  var cards = section ? $$("article.card", section) : [];
  var batchSize = section ? parseInt(section.getAttribute("data-batch-size"), 10) || 20 : 20;
  var batch = 0;
  function currentAuthor() { return params().get("author"); }
  function refreshCards() {
    if (!section) return;
    var author = currentAuthor(), onlyFollowed = $("#followed-only") && $("#followed-only").getAttribute("aria-pressed") === "true";
    var button = $("#another-batch"), status = $("#batch-status");
    if (author || onlyFollowed) {
      cards.forEach(function (card) {
        card.hidden = author ? cardAuthors(card).map(fold).indexOf(fold(author)) < 0 : !card.classList.contains("followed");
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
  function showHashTarget() {
    // A link to one card (from search, a topic page or the radar) must land on its batch.
    if (!location.hash || !section) return;
    var id = location.hash.slice(1);
    try { id = decodeURIComponent(id); } catch (e) { /* a hand-typed `%` that encodes nothing: look it up as it is */ }
    var target = document.getElementById(id);
    var i = cards.indexOf(target);
    if (i >= 0 && target.hidden && !currentAuthor()) { batch = Math.floor(i / batchSize); refreshCards(); target.scrollIntoView(); }
  }
  function nextBatch() {
    batch = (batch + 1) % Math.ceil(cards.length / batchSize);
    refreshCards();
    var first = cards[batch * batchSize];
    section.scrollIntoView({ block: "start" });
    var link = first && $(".title a", first);
    if (link) link.focus({ preventScroll: true });
  }

  function showAuthorFilter(name, countText) {
    var bar = $("#author-filter");
    if (!bar) return;
    bar.hidden = !name;
    if (!name) return;
    $(".chip-text", bar).textContent = fmt("author_filter") + ": " + name + " ";
    var fol = $("#author-follow");
    if (fol) fol.textContent = fmt("follow_author_named", { name: name });
    $("#filter-count").textContent = countText || "";
  }
  function setAuthorParam(name) {
    var p = params();
    if (name) p.set("author", name); else p.delete("author");
    var query = p.toString();
    history.pushState(null, "", location.pathname + (query ? "?" + query : ""));
  }
  function applyAuthor() {
    var name = currentAuthor();
    refreshCards();
    if (section) {
      var n = name ? cards.filter(function (c) { return !c.hidden; }).length : 0;
      showAuthorFilter(name, name ? fmt("filter_count", { count: n, name: name }) : "");
      elsewhere(name);
    }
    if ($("#search-results")) runSearch(0);
  }
  function elsewhere(name) {
    var box = $("#author-elsewhere-box");
    if (!box) return;
    box.hidden = true;
    if (!name) return;
    var here = {};
    cards.forEach(function (c) { here[c.id] = true; });
    // The newest few months only: the whole archive is one click away on the search page.
    scan(authorTest(name), 0, 200, 3).then(function (res) {
      if (currentAuthor() !== name) return;
      var list = $("#author-elsewhere");
      list.textContent = "";
      res.hits.filter(function (row) { return !here[row.id]; }).forEach(function (row) { list.appendChild(resultItem(row)); });
      $("#author-elsewhere-title").textContent = fmt("author_elsewhere", { name: name });
      var all = $("#author-all");
      all.href = ROOT + "search/?author=" + encodeURIComponent(name);
      all.textContent = fmt("search_author_all", { name: name });
      all.parentNode.hidden = res.next < 0;
      box.hidden = !list.children.length && res.next < 0;
    }).catch(function () { /* the index is optional for the filter itself */ });
  }

  /* ---- search page ----------------------------------------------------------------------------- */
  var searchNext = 0, searchHits = [];
  function runSearch(start) {
    var input = $("#search-input"), results = $("#search-results"), status = $("#search-status"), more = $("#search-more");
    var author = currentAuthor(), query = author ? "" : (params().get("q") || "").trim();
    if (!start) { results.textContent = ""; searchHits = []; }
    showAuthorFilter(author, "");
    if (input && document.activeElement !== input) input.value = query;
    more.hidden = true;
    if (!author && fold(query).length < 2) { status.textContent = query ? fmt("search_hint") : ""; return; }
    status.textContent = fmt("search_loading");
    var test = author ? authorTest(author) : wordsTest(query);
    // Six months per step at most: a rare word never downloads the whole archive unasked.
    scan(test, start, 50, 6).then(function (res) {
      res.hits.forEach(function (row) { searchHits.push(row); results.appendChild(resultItem(row)); });
      searchNext = res.next;
      more.hidden = res.next < 0;
      var count = searchHits.length + (res.next < 0 ? "" : "+");
      status.textContent = author ? fmt("search_author_results", { count: count, name: author })
        : searchHits.length ? fmt("search_results", { count: count, query: query }) : fmt("search_none", { query: query });
    }).catch(function (e) { status.textContent = String(e); });
  }

  /* ---- radar page ------------------------------------------------------------------------------ */
  function renderFollows() {
    var list = $("#follow-list");
    if (!list) return;
    var items = follows();
    list.textContent = "";
    items.forEach(function (f, i) {
      var li = el("li", { "class": "follow " + f.kind });
      li.appendChild(el("span", { "class": "kind" }, fmt(f.kind === "author" ? "follow_author" : "follow_keyword") + ": "));
      li.appendChild(el("strong", null, f.value));
      var btn = el("button", { type: "button", "class": "unfollow ghost", "aria-label": fmt("unfollow") + ": " + f.value }, "×");
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
    var test = followTest(items);
    scan(function (row) { return test(row.authors, row.title + " " + row.summary).length > 0; }, 0, 200, 6).then(function (res) {
      res.hits.forEach(function (row) { matches.appendChild(resultItem(row)); });
      title.hidden = !res.hits.length;
    }).catch(function () {});
  }

  function refreshDynamic() { markFollowed(); renderFollows(); applyAuthor(); }

  /* ---- wiring ------------------------------------------------------------------------------------ */
  function init() {
    var sw = $("#lang-switch");
    if (sw) {
      sw.hidden = false;
      $$("button", sw).forEach(function (b) {
        b.addEventListener("click", function () { setLanguage(b.getAttribute("data-lang"), true).then(refreshDynamic); });
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
    if (fol) fol.addEventListener("click", function () { if (currentAuthor()) follow("author", currentAuthor()); });
    var more = $("#another-batch");
    if (more) more.addEventListener("click", nextBatch);
    var only = $("#followed-only");
    if (only) only.addEventListener("click", function () {
      only.setAttribute("aria-pressed", only.getAttribute("aria-pressed") === "true" ? "false" : "true");
      refreshCards();
    });
    var form = $("#search-form");
    if (form) {
      $("#search-nojs").hidden = true;
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var p = new URLSearchParams();
        var q = $("#search-input").value.trim();
        if (q) p.set("q", q);
        history.pushState(null, "", location.pathname + (q ? "?" + p.toString() : ""));
        runSearch(0);
      });
      $("#search-more").addEventListener("click", function () { runSearch(searchNext); });
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
    window.addEventListener("popstate", applyAuthor);
    window.addEventListener("hashchange", showHashTarget);
    setLanguage(chosenLanguage(), false).catch(function () { lang = DEFAULT; }).then(function () {
      refreshDynamic();
      showHashTarget();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();

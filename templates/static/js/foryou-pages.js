/* "For you" over a day split into numbered pages (loaded by static/js/foryou.js only when it ranks such a day): the
   day's best cards that sit on other pages are fetched from those pages (same site, at most MOST_PAGES a ranking)
   and stand among this page's cards while the order is on. The pages' first card numbers are the build's
   (day.html's data-pages: "1 path 17 path ..."), so no page size is guessed here. */
import { section, cards, pageCards } from "./cards.js";

var MOST_PAGES = 4;

/* tools: the page's own helpers (number of a card, row n of the vectors file, a cached fetch, whether the order is
   on, rank again). */
export function dayPages(tools) {
  var pages = starts(section.getAttribute("data-pages") || "");
  var batchSize = parseInt(section.getAttribute("data-batch-size"), 10) || 20;
  var visitors = {};          // card number -> its card, fetched from its numbered page to stand in the first batch
  var sought = {};            // the card numbers whose page was asked for (once a page load: the work stays bounded)
  var announced = new Set();  // the fetched cards the page has been told of (academichub:cards)

  function pageOf(n) { return pages.filter(function (p) { return p.start <= n; }).pop(); }
  function same(a, b) { return a.length === b.length && a.every(function (x, i) { return x === b[i]; }); }
  /* Every row of the day's file ranked (a row's card is not here: its star, if it is one, known by its vector): the
     numbers of the first batch's cards that are neither here nor fetched yet. */
  function missing(rankRows, all, stars) {
    var here = {}, day = cards[0] && cards[0].getAttribute("data-day"), rows = [];
    cards.forEach(function (card) { here[tools.number(card)] = true; });
    for (var n = 1; tools.rowAt(all, n); n++) {
      var v = tools.rowAt(all, n), own = stars.filter(function (x) { return x.star.day === day && same(x.v, v); })[0];
      rows.push({ card: null, id: own ? own.star.id : null, n: n, v: v });
    }
    return rankRows(rows).compared.slice(0, batchSize).map(function (r) { return r.n; })
      .filter(function (n) { return !here[n] && !visitors[n]; });
  }
  /* Fetch the pages holding these card numbers and keep those cards; then rank again. A page that fails costs only
     its cards. */
  function fetchCards(numbers) {
    var wanted = {}, urls = [];
    numbers.forEach(function (n) {
      var page = pageOf(n);
      if (sought[n] || !page || new URL(page.url).origin !== location.origin) return;
      if (urls.indexOf(page.url) < 0) { if (urls.length >= MOST_PAGES) return; urls.push(page.url); }
      sought[n] = wanted[n] = true;
    });
    if (!urls.length) return;
    Promise.all(urls.map(function (url) {
      return tools.fetched(url, function (r) { return r.text(); }).then(function (text) {
        pageCards(text, url).cards.forEach(function (card) {
          var n = tools.number(card);
          if (wanted[n] && !document.getElementById(card.id)) visitors[n] = card;
        });
      }, function () { /* its cards stay where they are: one link away */ });
    })).then(function () {
      if (tools.on() && !place()) tools.again();   // turned off meanwhile: they wait for the next ranking
    });
  }
  /* The fetched cards among the page's (hidden until ranked); those new to the page announced as cards.js announces
     a page's (translated, equipped; the announcement ranks again). Whether any was new. */
  function place() {
    var fresh = Object.keys(visitors).map(function (n) { return visitors[n]; }).filter(function (card) { return cards.indexOf(card) < 0; });
    fresh.forEach(function (card) { card.hidden = true; section.appendChild(card); cards.push(card); });
    var unseen = fresh.filter(function (card) { return !announced.has(card); });
    unseen.forEach(function (card) { announced.add(card); });
    if (unseen.length) document.dispatchEvent(new CustomEvent("academichub:cards", { detail: unseen }));
    return unseen.length > 0;
  }
  return {
    /* Before a ranking: the cards fetched so far among the page's, the day's best of other pages asked for. */
    prepare: function (rankRows, all, stars) {
      place();
      if (stars.length && pages.length) fetchCards(missing(rankRows, all, stars));   // then ranks again
    },
    /* Off, the page is as built: the fetched cards leave it (kept for the next ranking). */
    leave: function () {
      Object.keys(visitors).forEach(function (n) {
        var card = visitors[n], i = cards.indexOf(card);
        if (i >= 0) { cards.splice(i, 1); card.remove(); }
      });
    },
    /* Cards a numbered page brought (cards.js "another batch"): a fetched twin of one of them is not kept. */
    arrived: function (list) {
      list.forEach(function (card) { var n = tools.number(card); if (visitors[n] && visitors[n] !== card) delete visitors[n]; });
    }
  };
}

function starts(text) {
  var parts = text.split(" ").filter(Boolean), out = [];
  for (var i = 0; i + 1 < parts.length; i += 2) out.push({ start: parseInt(parts[i], 10), url: new URL(parts[i + 1], location.href).href });
  return out;
}

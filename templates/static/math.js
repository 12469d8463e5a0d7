/* Typeset math in titles, summaries, abstracts, briefing entries and search results with the self-hosted KaTeX
   (loaded only on pages with math). The delimiters are the build's (digest/clean.py MATH_DELIMITERS, handed
   over by base.html in a meta element), so the browser typesets exactly what the cleaning left as math. */
(function () {
  "use strict";
  var given = document.querySelector('meta[name="math-delimiters"]');
  var delimiters = JSON.parse(given && given.getAttribute("content") || "[]");
  function typeset(node) {
    if (typeof renderMathInElement !== "function" || !delimiters.length) return;
    renderMathInElement(node, { delimiters: delimiters, throwOnError: false, output: "htmlAndMathml" });
  }
  window.academichubTypeset = typeset;   // for what arrives later: a next batch of cards, search results
  function typesetPage() {
    document.querySelectorAll(".title, .summary, .abstract p, .entry, .result, .briefing-body").forEach(typeset);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", typesetPage); else typesetPage();
})();

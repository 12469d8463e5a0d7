/* Typeset $...$ in titles, summaries and abstracts with the self-hosted KaTeX (loaded only on pages with math). */
(function () {
  "use strict";
  function typeset() {
    if (typeof renderMathInElement !== "function") return;
    document.querySelectorAll(".title, .summary, .abstract p, .entry, .result").forEach(function (node) {
      renderMathInElement(node, { delimiters: [{ left: "$", right: "$", display: false }], throwOnError: false, output: "htmlAndMathml" });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", typeset); else typeset();
})();

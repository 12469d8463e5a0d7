/* Folding what the reader types (a follow, ?author=Name) into the keys the build wrote.

   One rule, one place: the build folds names and texts with digest/radar.py fold() and writes the folded keys
   into the pages (data-keys) and the search rows; this module folds the reader's own input and the papers' text, and
   it folds it exactly as fold() does because the build also writes static/js/fold-data.js: the generic per-character
   pipeline below (NFKD, drop marks, toLowerCase) plus, as data, every character where Python's fold differs from
   that pipeline (ß -> ss, ς -> σ, the marks Python keeps, its extra whitespace). tests/test_browser_radar.py runs
   this in Chromium over every code point and compares with Python. Matching is then comparing keys. */
import { KEPT_MARKS, FOLDS } from "./fold-data.js";

var MARK = /\p{M}/u, ASCII = /^[\x00-\x7f]*$/;

function foldChar(ch) {
  var mapped = FOLDS.get(ch);
  if (mapped !== undefined) return mapped;
  var out = "";
  for (var c of ch.normalize("NFKD")) if (!MARK.test(c) || KEPT_MARKS.test(c)) out += c;
  return out.toLowerCase();
}

/* radar.fold in the browser: lower-case, accent-free, single-spaced. */
export function fold(text) {
  var s = String(text), out = "";
  // ASCII: only lower-casing and Python's ASCII whitespace (\t-\r, \x1c-\x1f) are left of the rule.
  if (ASCII.test(s)) out = s.toLowerCase().replace(/[\t-\r\x1c-\x1f]/g, " ");
  else for (var ch of s) out += foldChar(ch);
  return out.split(" ").filter(Boolean).join(" ");
}

/* radar._keyword_pattern for a folded keyword, applied to folded text: whole words, a plural s, and a space in
   the keyword matching spaces or hyphens (the folded text's only whitespace is " "; \w is [\p{L}\p{N}_]). */
var WORD = "[\\p{L}\\p{N}_]";
export function keywordPattern(key) {
  if (!key) return null;
  var body = key.replace(/[\\^$.*+?()[\]{}|\/]/g, "\\$&").replace(/ /g, "[ \\-]+");
  return new RegExp("(?<!" + WORD + ")" + body + "s?(?!" + WORD + ")", "u");
}

/* The language switch for the modules: static/i18n/lang.js (run in <head>, before the page painted) holds the
   messages and has already shown the reader's language; this changes it on a click and formats the scripts' own
   messages. Without lang.js (blocked or failed) the page stays in its own language and the scripts write no text. */
var boot = window.academichubLang || {
  DEFAULT: document.documentElement.getAttribute("data-lang") || "en", LANGS: [], fmt: function () { return ""; },
  set: function () {}, translate: function () {}, current: function () { return boot.DEFAULT; }
};

export var fmt = boot.fmt;
/* A label and its value ("Author: Ada", "作者：Ada"): the colon is the language's. */
export function labelled(key, value) { return fmt("labelled", { label: "@" + key, value: value }); }
export function currentLanguage() { return boot.current(); }
/* The switch's buttons say which language is shown. */
export function pressLanguage() {
  document.querySelectorAll("#lang-switch button").forEach(function (b) {
    b.setAttribute("aria-pressed", b.getAttribute("data-lang") === boot.current() ? "true" : "false");
  });
}
export function setLanguage(code, remember) {
  boot.set(code, remember);
  pressLanguage();
}
/* Cards and entries added after the page loaded (a day's next page): in the reader's language too. */
export function translate(root) { if (boot.current() !== boot.DEFAULT) boot.translate(root); }

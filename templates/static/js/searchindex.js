/* The search index: a list of monthly shards, fetched newest first, each once. */
import { ROOT, el, splitKeys } from "./util.js";
import { fold } from "./fold.js";

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
      // keys: the authors' folded names, written by the build (radar.keys). The index holds no abstract (it stays
      // small), so a keyword follow is matched here in the folded title and summary: see radar.js.
      return { id: p[0], day: p[1], link: p[7], title: p[2], authors: splitKeys(p[3]), summary: p[4], topics: p[5],
               keys: splitKeys(p[6]), words: fold(p[2] + " " + p[4]),
               hay: fold(p[2] + " " + p[3].replace(/\|/g, " ") + " " + p[4]) };
    });
    shards[info.file] = rows;
    return rows;
  });
}
/* Walk the shards from `start`, collecting matches until `want` are found; resolve {hits, next}. */
export function scan(test, start, want, maxShards) {
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
/* The card's numbered page and #id: the build wrote the path (digest/site/cards.py card_path). */
function paperLink(row) { return ROOT + row.link; }
export function resultItem(row) {
  var li = el("li", { "class": "result" });
  li.appendChild(el("a", { href: paperLink(row) }, row.title));
  if (row.authors.length) li.appendChild(el("span", { "class": "by" }, " " + row.authors.slice(0, 3).join(", ") + (row.authors.length > 3 ? " et al." : "")));
  li.appendChild(document.createTextNode(" "));
  li.appendChild(el("time", { datetime: row.day }, row.day));
  if (row.summary) { li.appendChild(el("br")); li.appendChild(el("span", { "class": "sum" }, row.summary)); }
  return li;
}
export function authorTest(name) { var f = fold(name); return function (row) { return row.keys.indexOf(f) >= 0; }; }
export function wordsTest(query) {
  var words = fold(query).split(" ").filter(Boolean);
  return function (row) { return words.every(function (w) { return row.hay.indexOf(w) >= 0; }); };
}

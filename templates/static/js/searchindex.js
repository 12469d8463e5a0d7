/* The search index (digest/site/searchdb.py), read with Range requests in three rounds per query: dictionary
   buckets, posting lists (newest first), row blocks. index.json names the build's files and the term rule. */
import { ROOT, el, splitKeys } from "./util.js";
import { fold } from "./fold.js";

var BASE = ROOT + "search/", STALE = "stale", WAVE_MAX = 12, LIST_BYTES = 2048, FIRST_BYTES = 512, NEAR_BYTES = 6000;
var loaded = null, blocks = {}, tables = {};

/* A file, or its bytes start..end-1 at an address of their own (hosts ignore the query): Chromium's cache
   fills a URL one request at a time. */
function getBytes(file, start, end) {
  var range = end === undefined ? null : "bytes=" + start + "-" + (end - 1);
  return fetch(BASE + file + (range ? "?" + range : ""), range ? { headers: { Range: range } } : {}).then(function (r) {
    if (r.status === 404) throw new Error(STALE);
    if (!r.ok) throw new Error(r.status + " " + file);
    return r.arrayBuffer().then(function (buf) {
      var bytes = new Uint8Array(buf);
      // A server that ignores Range sends the whole file (200): the part is cut here.
      return end !== undefined && r.status === 200 ? bytes.subarray(start, end) : bytes;
    });
  });
}
function getIndex(fresh) {
  if (loaded && !fresh) return loaded;
  loaded = fetch(BASE + "index.json", fresh ? { cache: "no-cache" } : {}).then(function (r) {
    if (!r.ok) throw new Error(r.status + " search/index.json");
    return r.json();
  }).then(function (m) {
    return getBytes(m.dir).then(function (dir) {
      return { m: m, dir: new DataView(dir.buffer, dir.byteOffset, dir.byteLength), terms: new RegExp(m.terms, "gu") };
    });
  });
  loaded.catch(function () { loaded = null; });
  return loaded;
}
/* The manifest, the directory and the newest rows' offsets ahead of the first query (on the page's load). */
export function warm() {
  getIndex(false).then(function (ix) { if (ix.m.segments.length) offsetsOf(ix, ix.m.segments.length - 1); })
    .catch(function () { /* the query will say */ });
}
/* Run a step against the index; if a file is gone (a newer build), once more against the new one. */
function withIndex(step) {
  return getIndex(false).then(step).catch(function (e) {
    if (e.message !== STALE) throw e;
    blocks = {};
    tables = {};
    return getIndex(true).then(step);
  });
}

/* Text's terms as [term, index, cjk, its neighbour], cut by index.json's pattern (searchterms.term_pattern). */
function termsAt(ix, text) {
  return Array.from(text.matchAll(ix.terms), function (m) { return [m[1] || m[2], m.index, m[2] !== undefined, m[3]]; });
}
/* The query's terms, each once, as searchterms.terms: words, CJK characters, each followed by its pair. */
export function queryTerms(ix, text) {
  var out = [];
  termsAt(ix, fold(text)).forEach(function (t) {
    out.push(t[0]);
    if (t[3]) out.push(t[0] + t[3]);
  });
  return out.filter(function (t, i) { return out.indexOf(t) === i; });
}
/* A pair term's two characters, or null for another term. */
function pairOf(ix, term) {
  var t = termsAt(ix, term)[0];
  return t && t[3] && t[0] + t[3] === term ? [t[0], t[3]] : null;
}
/* The terms (by number) a segment's hits must have: a pair of its pair characters (searchdb.pair_chars) for
   its characters; another pair's characters; the rest. */
function needed(ix, words, seg) {
  var chars = new Set(Array.from(ix.m.segments[seg].pairs || "")), implied = {};
  var pairs = words.map(function (w) {
    var pair = pairOf(ix, w);
    return pair && chars.has(pair[0]) && chars.has(pair[1]) ? pair : null;
  });
  pairs.forEach(function (pair) { if (pair) { implied[pair[0]] = true; implied[pair[1]] = true; } });
  return words.map(function (w, k) { return k; }).filter(function (k) {
    return pairs[k] || !(pairOf(ix, words[k]) || implied[words[k]]);
  });
}
/* CRC-32 of the term's UTF-8 bytes, from `start` (zlib.crc32(data, start), as searchdb.term_hashes). */
var CRC = [];
for (var n = 0; n < 256; n++) { var c = n; for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; CRC.push(c >>> 0); }
function crc32(term, start) {
  var c = ~start;
  new TextEncoder().encode(term).forEach(function (b) { c = CRC[(c ^ b) & 0xff] ^ (c >>> 8); });
  return ~c >>> 0;
}
function reader(bytes) {
  var pos = 0;
  return {
    more: function () { return pos < bytes.length; },
    /* A varint, or -1 where the bytes end inside one (a list read only in part). */
    varint: function () {
      var n = 0, shift = 0;
      while (pos < bytes.length) {
        var b = bytes[pos++];
        n += (b & 0x7f) * Math.pow(2, shift);
        if (b < 0x80) return n;
        shift += 7;
      }
      return -1;
    },
    /* An unsigned little-endian number of n bytes (n <= 4). */
    uint: function (n) { var v = 0; for (var i = 0; i < n; i++) v += bytes[pos++] * Math.pow(256, i); return v; }
  };
}
/* Each term's entries by segment: [title, text], an entry {offset, length, count, bitmap} or {only} for one
   paper (searchdb.encode_buckets, entry_code). Only terms some segment needs (used[k]) are looked up. */
function lookUp(ix, terms, used) {
  var buckets = {};
  terms.forEach(function (t, k) { if (used[k]) buckets[crc32(t, 0) & (ix.m.buckets - 1)] = true; });
  var found = terms.map(function () { return {}; });
  return Promise.all(Object.keys(buckets).map(function (b) {
    var start = ix.dir.getUint32(4 * b, true), end = ix.dir.getUint32(4 * b + 4, true);
    if (start === end) return null;
    var file = ix.m.dicts.filter(function (d) { return d.start <= start; }).pop();
    return getBytes(file.file, start - file.start, end - file.start).then(function (bytes) {
      var r = reader(bytes), size = ix.m.check_bytes, mask = Math.pow(2, 8 * size);
      var hashes = terms.map(function (t, k) { return used[k] ? crc32(t, ix.m.check) % mask : -1; });
      while (r.more()) {
        var seg = r.varint(), n = r.varint(), offset = r.varint();
        for (var k = 0; k < n; k++) {
          var h = r.uint(size), code = r.varint(), count = Math.floor(code / 4), entry, i = hashes.indexOf(h);
          if (count === 1) entry = { offset: offset, length: 0, count: 1, only: r.varint() };
          else { entry = { offset: offset, length: r.varint(), count: count, bitmap: (code & 2) > 0 }; offset += entry.length; }
          if (i >= 0) (found[i][seg] = found[i][seg] || [null, null])[code & 1] = entry;
        }
      }
    });
  })).then(function () { return found; });
}
/* The segments to read: those that may hold title or author hits first, then the rest, newest first, each with
   at most how many hits. */
function plan(ix, found, need) {
  var segs = ix.m.segments.map(function (s, i) { return i; }).filter(function (i) {
    return need[i].every(function (k) { return found[k][i]; });
  });
  function estimate(i, field) {
    return Math.min.apply(null, need[i].map(function (k) { var f = found[k]; return (field === 0 ? 0 : f[i][1] ? f[i][1].count : 0) + (f[i][0] ? f[i][0].count : 0); }));
  }
  var titled = segs.filter(function (i) { return estimate(i, 0) > 0; }).reverse();
  var rest = segs.filter(function (i) { return titled.indexOf(i) < 0; }).reverse();
  return titled.map(function (i) { return { seg: i, est: estimate(i, 0) }; })
    .concat(rest.map(function (i) { return { seg: i, est: estimate(i, 1) }; }));
}
/* A bitmap's papers, newest first, from its byte `from` on. */
function bitmapList(bytes, from, count) {
  var ids = [];
  for (var i = bytes.length - 1; i >= 0 && ids.length < count; i--) {
    for (var k = 7; k >= 0; k--) if (bytes[i] & (1 << k)) ids.push(8 * (from + i) + k);
  }
  return ids;
}
function decodeList(bytes, size, count) {
  var r = reader(bytes), ids = [], id = size;
  while (ids.length < count) {
    var gap = r.varint();
    if (gap < 0) break;
    id -= ids.length ? gap : gap + 1;
    ids.push(id);
  }
  return ids;
}
/* A segment's hits for the terms it needs: {seg, local, title} newest first; partial: older ones unread. */
function segmentHits(ix, found, seg, limit) {
  var info = ix.m.segments[seg];
  // A list read in part holds every hit from `floor` on.
  function list(e, bytes, from) {
    if (!e) return { ids: [], partial: false, floor: 0 };
    var ids = e.bitmap ? bitmapList(bytes, from, e.count) : decodeList(bytes, info.count, e.count), partial = ids.length < e.count;
    return { ids: ids, partial: partial, floor: partial ? (e.bitmap ? 8 * from : ids[ids.length - 1]) : 0 };
  }
  function read(e) {
    if (!e) return list(null);
    if (e.only !== undefined) return { ids: [info.count - 1 - e.only], partial: false, floor: 0 };
    var from = e.bitmap ? Math.max(0, e.length - limit) : 0;
    return getBytes(info.post, e.offset + from, e.offset + Math.min(e.length, from + limit)).then(function (b) { return list(e, b, from); });
  }
  return Promise.all(found.map(function (f) {
    var t = f[seg][0], s = f[seg][1];
    if (t && s && t.length && s.length && t.length + s.length <= 2 * limit && Math.abs(t.offset - s.offset) === (t.offset < s.offset ? t.length : s.length)) {
      // A term's two lists lie side by side (sorted by hash): one request for both.
      var lo = Math.min(t.offset, s.offset);
      return getBytes(info.post, lo, lo + t.length + s.length).then(function (bytes) {
        return [list(t, bytes.subarray(t.offset - lo, t.offset - lo + t.length), 0), list(s, bytes.subarray(s.offset - lo, s.offset - lo + s.length), 0)];
      });
    }
    return Promise.all(f[seg].map(read));
  })).then(function (lists) {
    var floor = 0;
    lists.forEach(function (pair) { pair.forEach(function (l) { if (l.partial) floor = Math.max(floor, l.floor); }); });
    var sets = lists.map(function (pair) { return [new Set(pair[0].ids), new Set(pair[1].ids)]; });
    var first = lists[0][0].ids.concat(lists[0][1].ids).filter(function (id) { return id >= floor; });
    var hits = first.filter(function (id) { return sets.every(function (s) { return s[0].has(id) || s[1].has(id); }); })
      .map(function (id) { return { seg: seg, local: id, title: sets.every(function (s) { return s[0].has(id); }) }; });
    return { hits: hits, partial: floor > 0 };
  });
}
function rank(a, b) { return (b.title - a.title) || (b.seg - a.seg) || (b.local - a.local); }

/* A block's rows (stored by field: searchrows.deflated). */
function inflate(bytes) {
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return new Response(stream).text().then(JSON.parse).then(function (columns) {
    return columns.length ? columns[0].map(function (v, i) { return columns.map(function (c) { return c[i]; }); }) : [];
  });
}
function offsets(file, lo, hi) {
  return getBytes(file, 4 * lo, 4 * hi + 8).then(function (b) {
    var view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    return function (k) { return view.getUint32(4 * (k - lo), true); };
  });
}
/* A segment's row-block offsets, whole (7 KB a month), once a session: the rows then cost one round. */
function offsetsOf(ix, seg) {
  var file = ix.m.segments[seg].rows;
  if (!tables[file]) {
    var pending = tables[file] = offsets(file, 0, Math.ceil(ix.m.segments[seg].count / ix.m.block) - 1);
    pending.catch(function () { if (tables[file] === pending) delete tables[file]; });
  }
  return tables[file];
}
/* The offsets of blocks lo..hi + 1: from the whole table if it is read or on its way. */
function offsetsAt(ix, seg, lo, hi) {
  return tables[ix.m.segments[seg].rows] ? offsetsOf(ix, seg) : offsets(ix.m.segments[seg].rows, lo, hi);
}
/* The rows of ranked hits, each block fetched once; show(rows) gets them as they come, in rank order. */
function rowsOf(ix, hits, show) {
  var per = ix.m.block, bySeg = {}, shown = 0;
  function block(h) { return blocks[ix.m.segments[h.seg].rows + Math.floor(h.local / per)]; }
  function row(h) {
    var p = block(h)[h.local % per];
    return { id: p[0], day: p[1], title: p[2], authors: splitKeys(p[3]), authorsCount: p[4], summary: p[5], link: p[6],
             titleHit: h.title };
  }
  function ready() {
    var from = shown;
    while (shown < hits.length && block(hits[shown])) shown++;
    if (show && shown > from) show(hits.slice(from, shown).map(row));
  }
  hits.forEach(function (h) { (bySeg[h.seg] = bySeg[h.seg] || {})[Math.floor(h.local / per)] = true; });
  ready();
  return Promise.all(Object.keys(bySeg).reverse().map(function (seg) {   // newest first
    var file = ix.m.segments[seg].rows, wanted = Object.keys(bySeg[seg]).map(Number).filter(function (b) { return !blocks[file + b]; });
    if (!wanted.length) return null;
    return offsetsAt(ix, seg, Math.min.apply(null, wanted), Math.max.apply(null, wanted)).then(function (at) {
      // Blocks close together in one request (a common word's newest hits are neighbours).
      var runs = [];
      wanted.sort(function (a, b) { return a - b; }).forEach(function (b) {
        var run = runs[runs.length - 1];
        if (run && at(b) - at(run[run.length - 1] + 1) <= NEAR_BYTES) run.push(b); else runs.push([b]);
      });
      return Promise.all(runs.reverse().map(function (run) {   // newest first
        var first = at(run[0]), last = run[run.length - 1];
        return getBytes(file, first, at(last + 1)).then(function (bytes) {
          return Promise.all(run.map(function (b) {
            return inflate(bytes.subarray(at(b) - first, at(b + 1) - first)).then(function (rows) { blocks[file + b] = rows; });
          }));
        }).then(ready);
      }));
    });
  })).then(function () {
    ready();
    return hits.map(row);
  });
}

/* A search over the whole archive: `next(n, show)` resolves the next n rows (ranked), handing show() the first as
   they come; `done()`: no more. termsOf(ix): the terms; keep(row): a check. */
export function Search(termsOf, keep) {
  var kept = keep || function () { return true; };
  var queue = null, need = null, hits = [], shown = 0, waves = null, words = [];
  function fill(ix, want) {
    if (hits.length - shown >= want || !waves.length) return Promise.resolve();
    var wave = [], est = 0;
    while (waves.length && wave.length < WAVE_MAX && (est < want || !wave.length)) { est += waves[0].est; wave.push(waves.shift().seg); }
    if (!hits.length) offsetsOf(ix, wave[0]);   // the first rows likely lie there
    return Promise.all(wave.map(function (seg) {   // a list to intersect with others is read further
      return segmentHits(ix, need[seg].map(function (k) { return queue[k]; }), seg, need[seg].length > 1 ? LIST_BYTES : FIRST_BYTES);
    })).then(function (parts) {
      var fresh = [];
      parts.forEach(function (p) { fresh = fresh.concat(p.hits); });
      hits = hits.slice(0, shown).concat(hits.slice(shown).concat(fresh).sort(rank));
      return fill(ix, want);
    });
  }
  var current = null;
  function step(n, show) {
    return function (ix) {
      if (ix !== current) { current = ix; queue = null; need = null; hits = []; shown = 0; waves = null; }   // a new build's index
      var start = Promise.resolve();
      if (!waves) {
        words = termsOf(ix);
        need = ix.m.segments.map(function (s, seg) { return needed(ix, words, seg); });
        var used = words.map(function (w, k) { return need.some(function (n) { return n.indexOf(k) >= 0; }); });
        start = lookUp(ix, words, used).then(function (found) {
          queue = found;
          waves = words.length ? plan(ix, found, need) : [];
        });
      }
      return start.then(function () { return fill(ix, n); }).then(function () {
        var page = hits.slice(shown, shown + n);
        shown += page.length;
        return rowsOf(ix, page, show && function (rows) { show(rows.filter(kept)); });
      }).then(function (rows) { return rows.filter(kept); });
    };
  }
  return {
    next: function (n, show) { return withIndex(step(n, show)); },
    done: function () { return waves !== null && !waves.length && shown >= hits.length; },
    /* Whether the query has no term (known after the first next()). */
    empty: function () { return waves !== null && !words.length; },
    /* The text of a row with the query's terms marked. */
    mark: function (text) { return marked(text, current, words); }
  };
}
export function wordSearch(query, keep) { return Search(function (ix) { return queryTerms(ix, query); }, keep); }
export function authorSearch(name) {
  return Search(function (ix) { var key = fold(name); return key ? [ix.m.author + key] : []; });
}
/* Text with the query's words marked; math as the feed wrote it (the page loads no typesetter). */
function marked(text, ix, words) {
  var frag = document.createDocumentFragment();
  if (ix) highlight(frag, String(text), ix, words); else frag.appendChild(document.createTextNode(String(text)));
  return frag;
}
function highlight(frag, text, ix, words) {
  // Marked: a word whose fold is a query term; a CJK character in one of the query's pairs with its neighbour, or
  // one the query has alone. A character may fold to several (Hangul to jamo): pairs are the folded run's.
  var found = termsAt(ix, text), pairs = words.filter(function (w) { return pairOf(ix, w); }), units = [], marked = [];
  var alone = words.filter(function (w) { return !pairs.some(function (p) { return Array.from(p).indexOf(w) >= 0; }); });
  found.forEach(function (t, i) {
    marked.push(!t[2] && words.indexOf(fold(t[0])) >= 0);
    if (!t[2]) return;
    Array.from(fold(t[0])).forEach(function (u, j) {
      units.push({ u: u, term: i, joined: j > 0 || Boolean(i && found[i - 1][3]) });
    });
  });
  units.forEach(function (unit, k) {
    var next = units[k + 1];
    if (alone.indexOf(unit.u) >= 0) marked[unit.term] = true;
    if (next && next.joined && pairs.indexOf(unit.u + next.u) >= 0) marked[unit.term] = marked[next.term] = true;
  });
  var pos = 0;
  found.forEach(function (t, i) {
    if (!marked[i]) return;
    var end = t[1] + t[0].length;
    if (t[1] <= pos && frag.lastChild && frag.lastChild.nodeName === "MARK") {   // neighbours: one mark
      frag.lastChild.textContent += text.slice(pos, end);
    } else {
      if (t[1] > pos) frag.appendChild(document.createTextNode(text.slice(pos, t[1])));
      frag.appendChild(el("mark", null, text.slice(t[1], end)));
    }
    pos = end;
  });
  if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
}
/* The card's numbered page and #id: the build wrote the path (digest/site/cards.py card_path). */
export function resultItem(row, mark) {
  mark = mark || function (text) { return document.createTextNode(text); };
  var li = el("li", { "class": "result" + (row.titleHit ? " title-hit" : "") });
  var link = el("a", { href: ROOT + row.link });
  link.appendChild(mark(row.title));
  li.appendChild(link);
  if (row.authors.length) {
    var by = el("span", { "class": "by" }, " ");
    by.appendChild(mark(row.authors.slice(0, 3).join(", ") + (row.authorsCount > 3 ? " et al." : "")));
    li.appendChild(by);
  }
  li.appendChild(document.createTextNode(" "));
  li.appendChild(el("time", { datetime: row.day }, row.day));
  if (row.summary) {
    li.appendChild(el("br"));
    var sum = el("span", { "class": "sum" });
    sum.appendChild(mark(row.summary));
    li.appendChild(sum);
  }
  return li;
}

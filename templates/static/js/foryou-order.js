/* "For you"'s order of a day's cards by their closeness to an interest's stars, loaded by foryou.js only when a page
   is ranked (most readers never turn it on). It reads only what it is given: the kind of the day's vectors file and
   its "close" threshold (both the build's: digest/site/foryou.py), the cards' rows and the stars' vectors. */

/* A row as what its kind compares, of unit length: the signed bytes, or the terms a row lists (their 16-bit hashes,
   then their weights: digest/vectoriser.py, term_vector); null for a paper without words (close to nothing). */
var UNIT = {
  signed: function (v) {
    var sum = 0, i, out = new Float64Array(v.length);
    for (i = 0; i < v.length; i++) sum += v[i] * v[i];
    if (!sum) return null;
    for (i = 0; i < v.length; i++) out[i] = v[i] / Math.sqrt(sum);
    return out;
  },
  terms: function (v) {
    var n = Math.floor(v.length / 3), bytes = new Uint8Array(v.buffer, v.byteOffset, v.length), out = {}, sum = 0, i;
    for (i = 0; i < n; i++) if (bytes[2 * n + i]) { out[bytes[2 * i] | bytes[2 * i + 1] << 8] = bytes[2 * n + i]; sum += bytes[2 * n + i] * bytes[2 * n + i]; }
    if (!sum) return null;
    for (i in out) out[i] /= Math.sqrt(sum);
    return out;
  }
};
function dot(a, b) {
  var s = 0, i;
  if (a instanceof Float64Array) { for (i = 0; i < a.length; i++) s += a[i] * b[i]; }
  else for (i in a) if (b[i]) s += a[i] * b[i];
  return s;
}

/* The cards ({ card, id, n: its number, v: its row }) by their closeness to the stars ({ star, v }, of the file's
   vectoriser), and those close to one ({ card, star }: the closest). A card's closeness is the sum of its cosines
   with the stars but itself, which ranks a card near what the stars share above one near a single star's own words
   (measured when chosen: any three papers of a demo topic starred bring 45 % of it first by the sum, 37 % by the
   closest star; in halves of real feeds 51 % and 48 %; bench/vectors.py prints the sum's); the build's order among
   equals, and a card compared with no star (no vector of this vectoriser) after every card that was. A row's card may
   be null (a card of another numbered page: foryou.js fetches the best of them). */
export function ranked(kind, close, rows, stars) {
  var unit = UNIT[kind] || function () { return null; };
  var units = stars.map(function (x) { return { star: x.star, v: unit(x.v) }; }).filter(function (x) { return x.v; });
  var scored = rows.map(function (r) {
    var u = r.v && unit(r.v), near = { row: r, score: -Infinity, cosine: -Infinity, star: null };
    if (u) units.forEach(function (x) {
      if (x.star.id === r.id) return;
      var c = dot(u, x.v);
      near.score = (near.star ? near.score : 0) + c;
      if (!near.star || c > near.cosine) { near.cosine = c; near.star = x.star; }
    });
    return near;
  });
  scored.sort(function (a, b) { return (b.score - a.score) || a.row.n - b.row.n; });   // NaN (neither compared): by number
  return {
    order: scored.map(function (x) { return x.row.card; }),
    near: scored.filter(function (x) { return x.cosine >= close; }).map(function (x) { return { card: x.row.card, star: x.star }; }),
    compared: scored.filter(function (x) { return x.star; }).map(function (x) { return x.row; })   // the rows in order, but those compared with no star
  };
}

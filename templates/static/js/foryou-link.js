/* "For you"'s export link: every interest's stars (id, day, vector, title, vectoriser) in the link's #fragment, which
   no request carries. Loaded by foryou.js only when a reader exports or imports, or opens such a link. */

export function linkText(interests) {
  return encodeURIComponent(JSON.stringify(interests.map(function (i) {
    return [i.name, i.stars.map(function (st) { return [st.id, st.day, st.v, st.title, st.m]; })];
  })));
}

/* The interests ([{ name, stars }]) of a link, of its fragment or of the text after `prefix`; null if none is
   readable. A link is anyone's text: kept as text only (never markup), and no longer than a title or a vector. */
export function readLink(text, prefix, dims) {
  var at = text.indexOf(prefix), data;
  try { data = JSON.parse(decodeURIComponent(at >= 0 ? text.slice(at + prefix.length) : text)); } catch (e) { return null; }
  if (!Array.isArray(data)) return null;
  function text8(value) { return typeof value === "string" ? value.slice(0, 4 * dims) : ""; }
  return data.filter(function (item) { return Array.isArray(item) && typeof item[0] === "string" && Array.isArray(item[1]); })
    .map(function (item) {
      return { name: item[0].slice(0, 60), stars: item[1].filter(function (st) { return Array.isArray(st) && typeof st[0] === "string"; })
        .map(function (st) {
          return { id: st[0].slice(0, 200), day: String(st[1] || "").slice(0, 10), v: text8(st[2]),
                   title: String(st[3] || st[0]).slice(0, 500), m: text8(st[4]) };
        }) };
    });
}

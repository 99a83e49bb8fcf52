/*
 * Indonesian word forms in the site search.
 *
 * Material's search (lunr) has no Indonesian stemmer. At build time every search document got the
 * Sastrawi stems of its words (field `stems`), and search-stems.json lists each word form of the
 * corpus with its stem plus the root words the corpus contains. Here each query word gets its stem
 * added before the query reaches the search worker: "membantu" searches "membantu bantu", which
 * finds "bantuan"; "menerima" searches "menerima terima", which finds "penerima".
 *
 * A form the corpus lacks is stemmed by removing Indonesian affixes (particles, possessives,
 * -kan/-an/-i, and up to three prefixes with their sound changes: meny- -> s, mem- -> p, men- -> t,
 * meng- -> k, and the same for pe-) until a root of the corpus is left; if none is, the word is
 * searched as typed. Everything is local: no library, no CDN.
 */
(function () {
  "use strict";

  var QUERY = 2; // SearchMessageType.QUERY of Material's search worker
  var MIN = 3;
  var PARTICLES = ["lah", "kah", "tah", "pun"];
  var POSSESSIVES = ["nya", "ku", "mu"];
  var DERIVATIONAL = ["kan", "an", "i"];
  var PREFIXES = [
    ["memper", [""]], ["member", [""]], ["menge", [""]], ["meng", ["", "k"]], ["meny", ["s"]],
    ["mem", ["", "p"]], ["men", ["", "t"]], ["me", [""]],
    ["penge", [""]], ["peng", ["", "k"]], ["peny", ["s"]], ["pem", ["", "p"]], ["pen", ["", "t"]],
    ["per", [""]], ["pel", [""]], ["pe", [""]],
    ["ber", [""]], ["bel", [""]], ["be", [""]], ["ter", [""]], ["te", [""]],
    ["di", [""]], ["ke", [""]], ["se", [""]]
  ];

  var table = { forms: {}, roots: new Set() };

  function withoutSuffixes(word) {
    var out = new Set([word]);
    [PARTICLES, POSSESSIVES, DERIVATIONAL].forEach(function (list) {
      Array.from(out).forEach(function (w) {
        list.forEach(function (s) {
          if (w.length - s.length >= MIN && w.slice(-s.length) === s) out.add(w.slice(0, -s.length));
        });
      });
    });
    return out;
  }

  function withoutPrefixes(word, depth, out) {
    out.add(word);
    if (depth === 0) return out;
    PREFIXES.forEach(function (entry) {
      var prefix = entry[0];
      if (word.lastIndexOf(prefix, 0) !== 0) return;
      entry[1].forEach(function (start) {
        var rest = start + word.slice(prefix.length);
        if (rest.length >= MIN && !out.has(rest)) withoutPrefixes(rest, depth - 1, out);
      });
    });
    return out;
  }

  /* The stem of one lower-case word, or "" when no root of the corpus is found. */
  function stem(word) {
    if (Object.prototype.hasOwnProperty.call(table.forms, word)) return table.forms[word];
    if (table.roots.has(word)) return word;
    var best = "";
    withoutSuffixes(word).forEach(function (w) {
      withoutPrefixes(w, 3, new Set()).forEach(function (p) {
        withoutSuffixes(p).forEach(function (c) {
          if (c !== word && table.roots.has(c) && c.length > best.length) best = c;
        });
      });
    });
    return best;
  }

  /* The query with the stem of each plain word added; modifiers, fields and quotes are left alone. */
  function expand(query) {
    var extra = [];
    query.split(/\s+/).forEach(function (token) {
      var word = token.toLowerCase();
      if (!/^[a-z]+$/.test(word) || word.length < MIN) return;
      var s = stem(word);
      if (s && s !== word && extra.indexOf(s) < 0 && query.toLowerCase().split(/\s+/).indexOf(s) < 0) extra.push(s);
    });
    return extra.length ? query + " " + extra.join(" ") : query;
  }

  var script = document.currentScript;
  var url = new URL("search-stems.json", script ? script.src : location.href);
  var ready = fetch(url.href)
    .then(function (r) { return r.ok ? r.json() : { forms: {}, roots: [] }; })
    .then(function (data) { table = { forms: data.forms || {}, roots: new Set(data.roots || []) }; })
    .catch(function () { /* search still works, without word forms */ });

  window.bansosSearch = { stem: stem, expand: expand, ready: ready };

  // Material sends each query to its search worker with postMessage: add the stems on the way.
  if (typeof Worker === "undefined") return;
  var post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message) {
    var rest = Array.prototype.slice.call(arguments, 1);
    var worker = this;
    if (message && message.type === QUERY && typeof message.data === "string") {
      ready.then(function () {
        post.apply(worker, [{ type: message.type, data: expand(message.data) }].concat(rest));
      });
      return;
    }
    return post.apply(this, arguments);
  };
})();

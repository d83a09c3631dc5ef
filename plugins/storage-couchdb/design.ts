/**
 * The design document. `_all_docs` answers every lookup by id range (ids.ts); two views
 * cover the rest:
 *  - tags: the tag index, one row per (metric, tag key, tag value) of each series, so a
 *    tag filter with literal values reads postings (`keys`) instead of every series of
 *    the metric; a predicate that needs the key reads the [metric, key] range;
 *  - counts: `_stats` over series (1 each) and chunk documents (their point counts), for
 *    stats() without reading every document.
 * Views are JavaScript map functions (the query server every CouchDB ships) rather than
 * Mango indexes: a Mango index cannot index "every key of the tags object", and its
 * selector would scan all series of the metric. `version` changes when the views do; a
 * daemon that finds an older one replaces it.
 */
export const DESIGN_VERSION = 1;

export const DESIGN_DOC = {
  language: 'javascript',
  version: DESIGN_VERSION,
  views: {
    tags: {
      map: "function (doc) { if (doc.type === 'series') { for (var k in doc.tags) emit([doc.metric, k, doc.tags[k]], null); } }",
    },
    counts: {
      map: "function (doc) { if (doc.type === 'series') emit('series', 1); else if (doc.type === 'chunk') emit('points', doc.n); }",
      reduce: '_stats',
    },
  },
};

/**
 * Conflicted window documents. One CouchDB node never stores a write over a stale
 * revision (it answers 409), but a cluster's copies can accept different updates of one
 * revision during a network partition, and replication between databases can bring in
 * a second branch. CouchDB then keeps every branch, shows one (its deterministic winner)
 * and lists the others in `_conflicts`. A losing branch may hold points the winner lacks,
 * so reads merge every branch (the winner's value wins on a shared timestamp), and a
 * write or delete that rewrites the document stores the merge and deletes the losers.
 */
import type { SeriesPoints } from '../../core';
import type { CodecSet } from '../../lib/chunks';
import { decodeChunkDoc, mergePoints, type ChunkDoc } from './chunk-doc';
import type { Couch } from './couch';

/** The points of a window document: with every conflicting branch merged in when it has any. */
export async function windowPoints(couch: Couch, codecs: CodecSet, doc: ChunkDoc): Promise<SeriesPoints> {
  const winner = decodeChunkDoc(codecs, doc);
  if (!doc._conflicts || doc._conflicts.length === 0) return winner;
  let merged: SeriesPoints | undefined;
  for (const rev of doc._conflicts) {
    const loser = await couch.request<ChunkDoc>({ path: encodeURIComponent(doc._id), qs: { rev } });
    merged = mergePoints(merged, decodeChunkDoc(codecs, loser));
  }
  return mergePoints(merged, winner);
}

/** Deletes the losing branches of documents whose merge was just stored (ignoring ones already gone). */
export async function deleteLosers(couch: Couch, losers: { id: string; rev: string }[]): Promise<void> {
  if (losers.length === 0) return;
  const results = await couch.bulk(losers.map((l) => ({ _id: l.id, _rev: l.rev, _deleted: true })));
  for (const r of results) {
    if (!r.ok && r.error !== 'conflict' && r.error !== 'not_found') throw new Error(`storage-couchdb: could not delete a merged conflict of ${r.id}: ${r.error} (${r.reason})`);
  }
}

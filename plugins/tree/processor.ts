/**
 * Tree building for real (TreeBuilder.processTimeseriesMeta with testing off, and
 * processAllTrees): a series' TSMeta through every enabled tree, storing the branches on its
 * path (each only if absent, as OpenTSDB's CAS on an empty column), its leaf, and — when the
 * tree's `storeFailures` is on — the collision or not-matched entry.
 */
import { Branch, newRoot } from './branch';
import { TreeBuilder, type SeriesMetaView } from './builder';
import { intHex, javaHash } from './java';
import type { Tree } from './model';
import type { TreeStore } from './store';

/** Where a series landed in one tree. */
export interface ProcessOutcome {
  treeId: number;
  /** the branch id of the leaf's branch, when a leaf was stored or already there */
  leafBranch?: string;
  collidedWith?: string;
  notMatched?: string;
}

/** Hangs the builder's top branch under ROOT and gives every branch on the path its parent's path (ProcessCB). */
export function attachPath(root: Branch, top: Branch): Branch[] {
  const chain: Branch[] = [];
  root.addChild(top);
  let path = root.getPath();
  top.prependParentPath(path);
  let cb: Branch | undefined = top;
  while (cb) {
    chain.push(cb);
    if (!cb.branches) break;
    path = cb.getPath();
    cb = cb.branches[0];
    cb.prependParentPath(path);
  }
  return chain;
}

export async function processSeries(store: TreeStore, tree: Tree, meta: SeriesMetaView): Promise<ProcessOutcome> {
  const outcome: ProcessOutcome = { treeId: tree.treeId };
  const root = newRoot(tree.treeId);
  await store.putBranchIfAbsent({ branchId: root.branchId(), path: { '0': 'ROOT' }, displayName: 'ROOT' });
  const result = new TreeBuilder(tree).build(meta);
  if (result.refused) {
    outcome.notMatched = result.notMatched;
    if (tree.storeFailures && result.notMatched) await store.putFailure('notmatched', tree.treeId, meta.tsuid, result.notMatched);
    return outcome;
  }
  if (!result.branch) return outcome;
  for (const branch of attachPath(root, result.branch)) {
    const branchId = branch.branchId();
    const path = Object.fromEntries([...branch.path!].map(([d, n]) => [String(d), n]));
    await store.putBranchIfAbsent({ branchId, path, displayName: branch.displayName });
    for (const leaf of branch.leaves?.values() ?? []) {
      const existing = await store.putLeafIfAbsent(branchId, intHex(javaHash(leaf.displayName)), { displayName: leaf.displayName, tsuid: leaf.tsuid });
      outcome.leafBranch = branchId;
      if (existing && existing.tsuid !== leaf.tsuid) {
        outcome.collidedWith = existing.tsuid;
        if (tree.storeFailures) await store.putFailure('collision', tree.treeId, leaf.tsuid, existing.tsuid);
      }
    }
  }
  return outcome;
}

/** processAllTrees: the series through every enabled tree. */
export async function processAllTrees(store: TreeStore, meta: SeriesMetaView, trees?: Tree[]): Promise<ProcessOutcome[]> {
  const out: ProcessOutcome[] = [];
  for (const tree of trees ?? (await store.enabledTrees())) if (tree.enabled) out.push(await processSeries(store, tree, meta));
  return out;
}

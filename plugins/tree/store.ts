/**
 * Trees in the storage engine's MetaStore (space `tree`), so every backend keeps them. The
 * keys mirror OpenTSDB's tsdb-tree rows: the tree id (4 hex digits) first, so one tree's
 * entries are one prefix and deleting a tree is one scan.
 *
 *   def:TTTT                      the definition (OpenTSDB's `tree` column)
 *   rule:TTTT:LEVEL:ORDER         a rule (the `tree_rule:LEVEL:ORDER` columns)
 *   branch:TTTT:DDD:BRANCHID      a branch at depth DDD (hashes below the root), {path, displayName}
 *   leaf:TTTT:BRANCHID:HASH       a leaf of the branch: {displayName, tsuid}; HASH = displayName's hash
 *   collision:TTTT:TSUID          the TSUID that collided → the TSUID already in the leaf
 *   notmatched:TTTT:TSUID         a TSUID strict matching refused → the rules it failed
 *
 * The depth in branch keys makes a branch's children exactly one prefix (depth + 1, then the
 * branch's id), as OpenTSDB's row-key regex `^ID(?:.{4})?$` selects them.
 */
import type { MetaStore } from '../../core';
import { treeIdHex } from './java';
import type { Tree, TreeDefinition, TreeRule } from './model';

const SPACE = 'tree';

export interface StoredBranch {
  branchId: string;
  /** depth → display name, 0 = ROOT */
  path: Record<string, string>;
  displayName: string;
}

export interface StoredLeaf {
  displayName: string;
  tsuid: string;
}

function depthOf(branchId: string): number {
  return (branchId.length - 4) / 8;
}

function branchKey(branchId: string): string {
  return `branch:${branchId.slice(0, 4)}:${String(depthOf(branchId)).padStart(3, '0')}:${branchId}`;
}

/** How long the enabled trees read for building are reused (a change through this store is seen at once). */
export const TREE_CACHE_MS = 5_000;

export class TreeStore {
  /** bumped by every definition or rule change made through this store */
  private generation = 0;
  private cached?: { trees: Tree[]; generation: number; at: number };

  constructor(private readonly meta: () => MetaStore) {}

  /**
   * The enabled trees with their rules, for building: read once and reused until this store
   * changes a definition or rule, or for TREE_CACHE_MS (a change made by another daemon over
   * a shared backend) — so a burst of new series does not rescan the trees per series.
   */
  async enabledTrees(now = Date.now()): Promise<Tree[]> {
    const c = this.cached;
    if (c && c.generation === this.generation && now - c.at < TREE_CACHE_MS) return c.trees;
    const generation = this.generation;
    const trees = (await this.trees()).filter((t) => t.enabled);
    this.cached = { trees, generation, at: now };
    return trees;
  }

  async definitions(): Promise<TreeDefinition[]> {
    const out: TreeDefinition[] = [];
    for await (const e of this.meta().scan(SPACE, 'def:')) out.push({ ...JSON.parse(e.value), treeId: parseInt(e.key.slice(4), 16) });
    return out;
  }

  /** Every tree with its rules, by id. */
  async trees(): Promise<Tree[]> {
    const out: Tree[] = [];
    for (const def of await this.definitions()) out.push({ ...def, rules: await this.rules(def.treeId) });
    return out.sort((a, b) => a.treeId - b.treeId);
  }

  async tree(treeId: number): Promise<Tree | undefined> {
    const raw = await this.meta().get(SPACE, `def:${treeIdHex(treeId)}`);
    if (raw === undefined) return undefined;
    return { ...JSON.parse(raw), treeId, rules: await this.rules(treeId) };
  }

  async putDefinition(def: TreeDefinition): Promise<void> {
    this.generation++;
    const { treeId, ...rest } = def;
    await this.meta().put(SPACE, `def:${treeIdHex(treeId)}`, JSON.stringify(rest));
  }

  /** Stores a new definition only if the id is free (the id race between daemons). */
  async createDefinition(def: TreeDefinition): Promise<boolean> {
    this.generation++;
    const { treeId, ...rest } = def;
    return this.meta().putIfAbsent(SPACE, `def:${treeIdHex(treeId)}`, JSON.stringify(rest));
  }

  async rules(treeId: number): Promise<Map<number, Map<number, TreeRule>>> {
    const out = new Map<number, Map<number, TreeRule>>();
    for await (const e of this.meta().scan(SPACE, `rule:${treeIdHex(treeId)}:`)) {
      const rule = JSON.parse(e.value) as TreeRule;
      let level = out.get(rule.level);
      if (!level) out.set(rule.level, (level = new Map()));
      level.set(rule.order, rule);
    }
    return out;
  }

  async rule(treeId: number, level: number, order: number): Promise<TreeRule | undefined> {
    const raw = await this.meta().get(SPACE, `rule:${treeIdHex(treeId)}:${level}:${order}`);
    return raw === undefined ? undefined : (JSON.parse(raw) as TreeRule);
  }

  async putRule(rule: TreeRule): Promise<void> {
    this.generation++;
    await this.meta().put(SPACE, `rule:${treeIdHex(rule.treeId)}:${rule.level}:${rule.order}`, JSON.stringify(rule));
  }

  async deleteRule(treeId: number, level: number, order: number): Promise<void> {
    this.generation++;
    await this.meta().delete(SPACE, `rule:${treeIdHex(treeId)}:${level}:${order}`);
  }

  async deleteAllRules(treeId: number): Promise<void> {
    this.generation++;
    await this.deletePrefix(`rule:${treeIdHex(treeId)}:`);
  }

  /**
   * `Tree.deleteTree`: the branches, leaves, collisions and not-matched entries of the tree;
   * with `definition`, also the definition and its rules.
   */
  async deleteTree(treeId: number, definition: boolean): Promise<void> {
    this.generation++;
    const t = treeIdHex(treeId);
    for (const kind of ['branch', 'leaf', 'collision', 'notmatched']) await this.deletePrefix(`${kind}:${t}:`);
    if (definition) {
      await this.deletePrefix(`rule:${t}:`);
      await this.meta().delete(SPACE, `def:${t}`);
    }
  }

  async branch(branchId: string): Promise<StoredBranch | undefined> {
    const raw = await this.meta().get(SPACE, branchKey(branchId));
    return raw === undefined ? undefined : { branchId, ...JSON.parse(raw) };
  }

  /** The branches one level below the branch. */
  async children(branchId: string): Promise<StoredBranch[]> {
    const prefix = `branch:${branchId.slice(0, 4)}:${String(depthOf(branchId) + 1).padStart(3, '0')}:${branchId}`;
    const out: StoredBranch[] = [];
    for await (const e of this.meta().scan(SPACE, prefix)) out.push({ branchId: e.key.slice(e.key.lastIndexOf(':') + 1), ...JSON.parse(e.value) });
    return out;
  }

  /** Stores the branch unless it exists (OpenTSDB's CAS against an empty column). */
  async putBranchIfAbsent(branch: StoredBranch): Promise<boolean> {
    return this.meta().putIfAbsent(SPACE, branchKey(branch.branchId), JSON.stringify({ path: branch.path, displayName: branch.displayName }));
  }

  async leaves(branchId: string): Promise<StoredLeaf[]> {
    const out: StoredLeaf[] = [];
    for await (const e of this.meta().scan(SPACE, `leaf:${branchId.slice(0, 4)}:${branchId}:`)) out.push(JSON.parse(e.value));
    return out;
  }

  /** Stores the leaf unless its column exists; the existing leaf when it does. */
  async putLeafIfAbsent(branchId: string, hashHex: string, leaf: StoredLeaf): Promise<StoredLeaf | undefined> {
    const key = `leaf:${branchId.slice(0, 4)}:${branchId}:${hashHex}`;
    if (await this.meta().putIfAbsent(SPACE, key, JSON.stringify(leaf))) return undefined;
    const raw = await this.meta().get(SPACE, key);
    return raw === undefined ? undefined : (JSON.parse(raw) as StoredLeaf);
  }

  async putFailure(kind: 'collision' | 'notmatched', treeId: number, tsuid: string, value: string): Promise<void> {
    await this.meta().put(SPACE, `${kind}:${treeIdHex(treeId)}:${tsuid}`, value);
  }

  /** Collisions or not-matched entries of a tree, all or only those of the TSUIDs given. */
  async failures(kind: 'collision' | 'notmatched', treeId: number, tsuids?: string[]): Promise<Record<string, string>> {
    const prefix = `${kind}:${treeIdHex(treeId)}:`;
    const out: Record<string, string> = {};
    if (tsuids && tsuids.length > 0) {
      for (const tsuid of tsuids) {
        const value = await this.meta().get(SPACE, prefix + tsuid.toUpperCase());
        if (value !== undefined) out[tsuid.toUpperCase()] = value;
      }
      return out;
    }
    for await (const e of this.meta().scan(SPACE, prefix)) out[e.key.slice(prefix.length)] = e.value;
    return out;
  }

  private async deletePrefix(prefix: string): Promise<void> {
    const keys: string[] = [];
    for await (const e of this.meta().scan(SPACE, prefix)) keys.push(e.key);
    for (const key of keys) await this.meta().delete(SPACE, key);
  }
}

/**
 * OpenTSDB's Branch and Leaf in memory (net.opentsdb.tree.Branch / Leaf), as the builder
 * grows them. A branch id is the tree id (2 bytes) followed by the Java `hashCode()` of each
 * display name on the path below ROOT (4 bytes each), in upper-case hex; a leaf is keyed in
 * its branch by its display name's hash. Children and leaves are ordered — and deduplicated —
 * by `compareToIgnoreCase` on the display name, as Java's TreeSet does.
 */
import { compareIgnoreCase, intHex, javaHash, treeIdHex } from './java';

export interface Leaf {
  displayName: string;
  tsuid: string;
  /** filled only when a stored branch is read back with its leaves' names */
  metric: string;
  tags: Record<string, string> | null;
}

/** Something to tell about a leaf whose display name is taken by another TSUID. */
export type CollisionSink = (tsuid: string, existingTsuid: string) => void;

export class Branch {
  displayName = '';
  leaves?: Map<number, Leaf>;
  branches?: Branch[];
  /** depth → display name, kept sorted by depth */
  path?: Map<number, string>;

  constructor(readonly treeId: number) {}

  /** `addChild`: false when a child with the same name (ignoring case) exists. */
  addChild(child: Branch): boolean {
    if (!this.branches) {
      this.branches = [child];
      return true;
    }
    let lo = 0;
    let hi = this.branches.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = compareIgnoreCase(this.branches[mid].displayName, child.displayName);
      if (c === 0) return false;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    this.branches.splice(lo, 0, child);
    return true;
  }

  /** `addLeaf`: a leaf whose name's hash is taken by another TSUID is a collision. */
  addLeaf(leaf: Leaf, collision?: CollisionSink): boolean {
    const hash = javaHash(leaf.displayName);
    if (!this.leaves) this.leaves = new Map();
    const existing = this.leaves.get(hash);
    if (existing) {
      if (existing.tsuid !== leaf.tsuid) collision?.(leaf.tsuid, existing.tsuid);
      return false;
    }
    this.leaves.set(hash, leaf);
    return true;
  }

  /** `prependParentPath`: this branch's path becomes a copy of the parent's. */
  prependParentPath(parent: Map<number, string>): void {
    this.path = new Map([...parent].sort((a, b) => a[0] - b[0]));
  }

  /**
   * `compileBranchId`: puts the display name at the tip of the path (unless the tip already
   * holds that name) and returns the id in hex.
   */
  branchId(): string {
    if (!this.path) throw new Error('Missing branch path');
    if (!this.displayName) throw new Error('Missing display name');
    if (this.path.size === 0) this.path.set(0, this.displayName);
    else {
      const depths = [...this.path.keys()];
      const last = Math.max(...depths);
      if (this.path.get(last) !== this.displayName) this.path.set(last + 1, this.displayName);
    }
    let id = treeIdHex(this.treeId);
    for (const [depth, name] of [...this.path].sort((a, b) => a[0] - b[0])) if (depth !== 0) id += intHex(javaHash(name));
    return id;
  }

  /** `getPath` (after compiling the id, as Java's getter does). */
  getPath(): Map<number, string> {
    this.branchId();
    return this.path!;
  }

  /** `toString`, as test messages print it. */
  toString(): string {
    return this.path ? `ID: [${this.branchId()}] Name: [${this.displayName}]` : `Name: [${this.displayName}]`;
  }

  /** The leaves ordered (and deduplicated) by name ignoring case, as Java's `getLeaves` TreeSet. */
  sortedLeaves(): Leaf[] | null {
    if (!this.leaves) return null;
    const out: Leaf[] = [];
    for (const leaf of [...this.leaves.values()].sort((a, b) => compareIgnoreCase(a.displayName, b.displayName))) {
      if (out.length === 0 || compareIgnoreCase(out[out.length - 1].displayName, leaf.displayName) !== 0) out.push(leaf);
    }
    return out;
  }

  /** The branch as OpenTSDB's serializer writes it (Jackson over the getters). */
  toJson(): Record<string, unknown> {
    const branchId = this.branchId();
    const path = this.path!;
    const depths = [...path.keys()].sort((a, b) => a - b);
    return {
      leaves: this.sortedLeaves()?.map(leafJson) ?? null,
      branches: this.branches?.map((b) => b.toJson()) ?? null,
      path: Object.fromEntries(depths.map((d) => [String(d), path.get(d)])),
      displayName: this.displayName,
      treeId: this.treeId,
      branchId,
      depth: depths[depths.length - 1],
    };
  }
}

export function leafJson(leaf: Leaf): Record<string, unknown> {
  return { metric: leaf.metric, tags: leaf.tags, tsuid: leaf.tsuid, displayName: leaf.displayName };
}

/** A root branch as `TreeBuilder.loadOrInitializeRoot` makes one: ROOT at depth 0. */
export function newRoot(treeId: number): Branch {
  const root = new Branch(treeId);
  root.displayName = 'ROOT';
  root.prependParentPath(new Map([[0, 'ROOT']]));
  return root;
}

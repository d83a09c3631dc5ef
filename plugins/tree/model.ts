/**
 * OpenTSDB 2.4's tree definition and tree rule (net.opentsdb.tree.Tree / TreeRule): their
 * fields, defaults, the "changed" bookkeeping that decides between storing, merging and
 * answering 304, and their JSON in the key order OpenTSDB writes.
 */
import { RE2JS } from 're2js';
import { ApiError, parseJavaInt } from '../../lib/opentsdb';

export const RULE_TYPES = ['METRIC', 'METRIC_CUSTOM', 'TAGK', 'TAGK_CUSTOM', 'TAGV_CUSTOM'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** A tree's definition (no rules): what OpenTSDB keeps in the tree row's `tree` column. */
export interface TreeDefinition {
  treeId: number;
  name: string;
  description: string;
  notes: string;
  strictMatch: boolean;
  enabled: boolean;
  storeFailures: boolean;
  /** Unix seconds; 0 for a tree created from a JSON body (OpenTSDB's `new Tree()`). */
  created: number;
}

export interface TreeRule {
  treeId: number;
  level: number;
  order: number;
  type: RuleType | null;
  field: string;
  customField: string;
  regex: string;
  separator: string;
  description: string;
  notes: string;
  regexGroupIdx: number;
  displayFormat: string;
}

/** A tree with its rules by level then order (both ascending). */
export interface Tree extends TreeDefinition {
  rules: Map<number, Map<number, TreeRule>>;
}

export const TREE_FIELDS = ['name', 'description', 'notes', 'strictMatch', 'enabled', 'storeFailures'] as const;
export type TreeField = (typeof TREE_FIELDS)[number];
/** What a request set on a tree: OpenTSDB's `changed` map (a string set to "" on a new tree is no change). */
export type TreeChanges = Partial<Pick<TreeDefinition, TreeField>>;

export const RULE_FIELDS = ['type', 'field', 'customField', 'regex', 'separator', 'description', 'notes', 'regexGroupIdx', 'displayFormat'] as const;
export type RuleField = (typeof RULE_FIELDS)[number];

/** A rule as a request gives it: where it sits, and the fields it set to something other than the default. */
export interface RuleInput {
  treeId: number;
  level: number;
  order: number;
  changes: Partial<Pick<TreeRule, RuleField>>;
}

export function blankRule(treeId: number, level: number, order: number): TreeRule {
  return { treeId, level, order, type: null, field: '', customField: '', regex: '', separator: '', description: '', notes: '', regexGroupIdx: 0, displayFormat: '' };
}

/** OpenTSDB's `TreeRule.toString()`: `[treeId:level:order:TYPE]`. */
export function ruleText(rule: { treeId: number; level: number; order: number; type?: RuleType | null }): string {
  return `[${rule.treeId}:${rule.level}:${rule.order}:${rule.type ?? 'null'}]`;
}

/** `TreeRule.stringToType`: case-insensitive; throws IllegalArgumentException's messages. */
export function parseRuleType(text: string): RuleType {
  if (!text) throw new Error('Rule type was empty');
  const upper = text.toLowerCase().toUpperCase() as RuleType;
  if (!RULE_TYPES.includes(upper)) throw new Error('Unrecognized rule type');
  return upper;
}

/** Longest rule regex or separator accepted (as the query's `regexp` filter: RE2JS's time grows with the pattern too). */
export const MAX_RULE_REGEX_LENGTH = 4096;

/**
 * A rule's regex or separator (`Pattern.compile`), compiled with RE2JS, a port of RE2:
 * matching takes time linear in the input. Why not JavaScript's RegExp (Java's own engine
 * backtracks too): a tree runs on the event loop, and a pattern such as `(a+)+$` against a
 * name of forty `a`s then a `b` held the whole daemon, where OpenTSDB loses one request
 * thread. RE2 has no backreferences or lookaround: such a rule is refused (400) with
 * RE2's reason. Throws with the engine's reason.
 */
export function compileRegex(regex: string): RE2JS {
  if (regex.length > MAX_RULE_REGEX_LENGTH) throw new Error(`longer than ${MAX_RULE_REGEX_LENGTH} characters`);
  return RE2JS.compile(regex);
}

/**
 * `TreeRule.validateRule`, run on the rule about to be stored. Its messages are
 * OpenTSDB's (answered as 400 with the message as details).
 */
export function validateRule(rule: TreeRule): void {
  if (rule.type === null) throw new ApiError(400, 'Missing rule type', 'Missing rule type');
  const fail = (message: string): never => {
    throw new ApiError(400, message, message);
  };
  if (rule.type !== 'METRIC' && !rule.field) fail(`Missing field name required for ${rule.type} rule`);
  if ((rule.type === 'METRIC_CUSTOM' || rule.type === 'TAGK_CUSTOM' || rule.type === 'TAGV_CUSTOM') && !rule.customField) fail(`Missing custom field name required for ${rule.type} rule`);
  if (rule.regexGroupIdx < 0) fail('Invalid regex group index. Cannot be less than 0');
}

/**
 * `TreeRule.copyChanges`: applies the input to the stored rule — every field on PUT
 * (`overwrite`), else the fields the input set that differ. False when nothing changed.
 */
export function mergeRule(stored: TreeRule, input: RuleInput, overwrite: boolean): boolean {
  let changed = false;
  const blank = blankRule(input.treeId, input.level, input.order);
  const target = stored as unknown as Record<string, unknown>;
  for (const field of RULE_FIELDS) {
    const given = field in input.changes;
    const value = given ? input.changes[field] : blank[field];
    if (overwrite || (given && stored[field] !== value)) {
      target[field] = value;
      changed = true;
    }
  }
  return changed;
}

/** The rule as OpenTSDB's serializer writes it. */
export function ruleJson(rule: TreeRule): Record<string, unknown> {
  return {
    type: rule.type,
    field: rule.field,
    regex: rule.regex,
    separator: rule.separator,
    description: rule.description,
    notes: rule.notes,
    level: rule.level,
    order: rule.order,
    treeId: rule.treeId,
    customField: rule.customField,
    regexGroupIdx: rule.regexGroupIdx,
    displayFormat: rule.displayFormat,
  };
}

/** The tree as OpenTSDB's serializer writes it: `rules` null when it has none. */
export function treeJson(tree: Tree): Record<string, unknown> {
  let rules: Record<string, Record<string, unknown>> | null = null;
  if (tree.rules.size > 0) {
    rules = {};
    for (const level of [...tree.rules.keys()].sort((a, b) => a - b)) {
      const orders = tree.rules.get(level)!;
      const out: Record<string, unknown> = {};
      for (const order of [...orders.keys()].sort((a, b) => a - b)) out[order] = ruleJson(orders.get(order)!);
      rules[level] = out;
    }
  }
  return {
    name: tree.name,
    description: tree.description,
    notes: tree.notes,
    enabled: tree.enabled,
    rules,
    created: tree.created,
    treeId: tree.treeId,
    strictMatch: tree.strictMatch,
    storeFailures: tree.storeFailures,
  };
}

/** A tree's rule at (level, order), or undefined. */
export function ruleAt(tree: Tree, level: number, order: number): TreeRule | undefined {
  return tree.rules.get(level)?.get(order);
}

/**
 * Java's `Integer.parseInt`: optional sign, decimal digits, 32-bit range; throws with
 * NumberFormatException's message (`For input string: "x"`).
 */
export function javaInt(text: string): number {
  const n = parseJavaInt(text);
  if (n === undefined) throw Object.assign(new Error(`For input string: "${text}"`), { numberFormat: true });
  return n;
}

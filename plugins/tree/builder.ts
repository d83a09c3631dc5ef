/**
 * OpenTSDB 2.4.1's TreeBuilder: runs one series' TSMeta through a tree's rules and grows the
 * branch path and leaf it lands on. Ported statement by statement (processRuleset's
 * recursion, the split and regex processors, display formats, test messages) so that branch
 * ids, display names and messages equal OpenTSDB's. Rule levels are tried in ascending
 * order; rules within a level are OR'd (the first that names the branch wins).
 */
import type { RE2JS } from 're2js';
import { Branch, newRoot, type Leaf } from './branch';
import { javaSplit } from './java';
import { compileRegex, ruleText, type Tree, type TreeRule } from './model';

export interface UidMetaView {
  type: 'METRIC' | 'TAGK' | 'TAGV';
  name: string;
  /** the UID meta's custom fields, or null */
  custom: Record<string, string> | null;
}

/** What the builder reads of a TSMeta: its TSUID, the metric and the tags as [tagk, tagv, …] in TSUID order. */
export interface SeriesMetaView {
  tsuid: string;
  metric: UidMetaView;
  tags: UidMetaView[];
}

/** The outcome of one series through one tree. */
export interface BuildResult {
  /** the top branch below ROOT (its descendants hold the path and the leaf), or undefined */
  branch?: Branch;
  /** the rules that failed, when a level matched nothing (OpenTSDB's not_matched string) */
  notMatched?: string;
  /** true when strict matching refuses the series */
  refused: boolean;
  /** collisions found while adding the leaf in memory: tsuid → existing tsuid */
  collisions: Map<string, string>;
  messages: string[];
}

class StateError extends Error {}

export class TreeBuilder {
  private readonly maxLevel: number;
  private meta!: SeriesMetaView;
  private splits: string[] | null = null;
  private ruleIdx = 0;
  private splitIdx = 0;
  private current: Branch | null = null;
  private rule!: TreeRule;
  private notMatched: string | null = null;
  private messages: string[] = [];
  private collisions = new Map<string, string>();
  private readonly regexes = new Map<TreeRule, RE2JS | null>();
  /** the levels that have rules, ascending: levels may be sparse, up to 2^31 - 1 */
  private readonly levels: number[];

  constructor(readonly tree: Tree) {
    let max = 0;
    for (const level of tree.rules.keys()) if (level > max) max = level;
    this.maxLevel = max;
    this.levels = [...tree.rules.keys()].sort((a, b) => a - b);
  }

  /**
   * Runs the series through the rules (`processTimeseriesMeta` up to storing): builds the
   * path below `root` (a fresh ROOT by default) and reports it. Throws an Error with OpenTSDB's IllegalStateException
   * message when the TSMeta lacks what a rule needs (e.g. "Tags for the timeseries meta were null").
   */
  build(meta: SeriesMetaView, root: Branch = newRoot(this.tree.treeId)): BuildResult {
    this.meta = meta;
    this.splits = null;
    this.ruleIdx = 0;
    this.splitIdx = 0;
    this.current = null;
    this.notMatched = null;
    this.messages = [];
    this.collisions = new Map();
    // the first level's branches hang off `root`; a series whose only named level is the
    // last one leaves its leaf on the root itself (shown by /api/tree/test, never stored)
    if (this.tree.rules.size > 0) this.processRuleset(root, 1);
    const result: BuildResult = { refused: false, collisions: this.collisions, messages: this.messages };
    if (this.notMatched) result.notMatched = this.notMatched;
    if (this.notMatched && this.tree.strictMatch) {
      this.message(`TSUID failed to match one or more rule levels, will not add: ${meta.tsuid}`);
      result.refused = true;
    } else if (this.current) {
      result.branch = this.current;
    }
    return result;
  }

  private message(text: string): void {
    this.messages.push(text);
  }

  private regexOf(rule: TreeRule): RE2JS | null {
    let re = this.regexes.get(rule);
    if (re === undefined) {
      re = rule.regex ? compileRegex(rule.regex) : null;
      this.regexes.set(rule, re);
    }
    return re;
  }

  /**
   * The rules of the first level from `ruleIdx` on that has any (TreeBuilder.fetchRuleLevel),
   * `ruleIdx` moved to it. OpenTSDB steps one level at a time; here the step goes straight
   * to the next level with rules, which ends the same way: with a rule at level 2^31 - 1,
   * stepping held the event loop for minutes.
   */
  private fetchRuleLevel(): Map<number, TreeRule> | null {
    for (const level of this.levels) {
      if (level < this.ruleIdx) continue;
      this.ruleIdx = level;
      return this.tree.rules.get(level)!;
    }
    this.ruleIdx = this.maxLevel + 1;
    return null;
  }

  private processRuleset(parent: Branch, depth: number): boolean {
    if (this.ruleIdx > this.maxLevel) return true;
    const previous = this.current;
    this.current = new Branch(this.tree.treeId);
    const level = this.fetchRuleLevel();
    if (!level) return true;
    for (const order of [...level.keys()].sort((a, b) => a - b)) {
      this.rule = level.get(order)!;
      this.message(`Processing rule: ${ruleText(this.rule)}`);
      switch (this.rule.type) {
        case 'METRIC':
          this.parseMetricRule();
          break;
        case 'TAGK':
          this.parseTagkRule();
          break;
        case 'METRIC_CUSTOM':
          this.parseMetricCustomRule();
          break;
        case 'TAGK_CUSTOM':
          this.parseTagkCustomRule();
          break;
        case 'TAGV_CUSTOM':
          this.parseTagvRule();
          break;
        default:
          throw new Error(`Unkown rule type: ${this.rule.type}`);
      }
      if (this.current.displayName) break;
    }
    if (!this.current.displayName) {
      this.notMatched = this.notMatched === null ? ruleText(this.rule) : `${this.notMatched} ${ruleText(this.rule)}`;
    }
    if (this.splits !== null && this.splitIdx >= this.splits.length) {
      this.splits = null;
      this.splitIdx = 0;
      this.ruleIdx++;
    } else if (this.splits === null) {
      this.ruleIdx++;
    }
    const complete = this.processRuleset(this.current, ++depth);
    const current = this.current as Branch | null;
    if (complete) {
      if (!current || !current.displayName) {
        this.current = previous;
        return true;
      }
      if (!parent.displayName) {
        this.message(`Depth [${depth}] Parent branch was empty, rolling back`);
        return true;
      }
      const leaf: Leaf = { displayName: current.displayName, tsuid: this.meta.tsuid, metric: '', tags: null };
      parent.addLeaf(leaf, (tsuid, existing) => {
        if (!this.collisions.has(tsuid)) this.collisions.set(tsuid, existing);
      });
      this.message(`Depth [${depth}] Adding leaf [name: ${leaf.displayName} tsuid: ${leaf.tsuid}] to parent branch [${parent.toString()}]`);
      this.current = previous;
      return false;
    }
    if ((previous === null || !previous.displayName) && current!.displayName) {
      if (depth > 2) this.message(`Depth [${depth}] Skipping a non-matched branch, returning: ${current!.toString()}`);
      return false;
    }
    if (!current!.displayName) {
      this.message(`Depth [${depth}] Branch was empty`);
      this.current = previous;
      return false;
    }
    if (current!.displayName === previous!.displayName) {
      this.message(`Depth [${depth}] Current was the same as previous`);
      return false;
    }
    parent.addChild(current!);
    this.message(`Depth [${depth}] Adding branch: ${current!.toString()} to parent: ${parent.toString()}`);
    this.current = previous;
    return false;
  }

  private parseMetricRule(): void {
    const name = this.meta.metric?.name;
    if (!name) throw new StateError('Timeseries metric name was null or empty');
    this.processParsedValue(name);
  }

  private parseTagkRule(): void {
    const tags = this.meta.tags;
    if (!tags || tags.length === 0) throw new StateError('Tags for the timeseries meta were null');
    let tagName = '';
    let found = false;
    for (const uid of tags) {
      if (uid.type === 'TAGK' && uid.name === this.rule.field) found = true;
      else if (uid.type === 'TAGV' && found) {
        tagName = uid.name;
        break;
      }
    }
    if (!found || !tagName) {
      this.message(`No match on tagk [${this.rule.field}] for rule: ${ruleText(this.rule)}`);
      return;
    }
    this.message(`Matched tagk [${this.rule.field}] for rule: ${ruleText(this.rule)}`);
    this.processParsedValue(tagName);
  }

  private parseMetricCustomRule(): void {
    if (!this.meta.metric) throw new StateError('Timeseries metric UID object was null');
    this.matchCustom(this.meta.metric.custom, 'metric');
  }

  private parseTagkCustomRule(): void {
    this.parseTagCustom('TAGK', 'tagk');
  }

  private parseTagvRule(): void {
    this.parseTagCustom('TAGV', 'tagv');
  }

  private parseTagCustom(type: 'TAGK' | 'TAGV', word: 'tagk' | 'tagv'): void {
    const tags = this.meta.tags;
    if (!tags || tags.length === 0) throw new StateError('Timeseries meta data was missing tags');
    const uid = tags.find((t) => t.type === type && t.name === this.rule.field);
    if (!uid) {
      this.message(`No match on ${word} [${this.rule.field}] for rule: ${ruleText(this.rule)}`);
      return;
    }
    this.message(`Matched ${word} [${this.rule.field}] for rule: ${ruleText(this.rule)}`);
    this.matchCustom(uid.custom, word);
  }

  private matchCustom(custom: Record<string, string> | null, word: string): void {
    const key = this.rule.customField;
    if (custom && Object.prototype.hasOwnProperty.call(custom, key)) {
      if (custom[key] === null || custom[key] === undefined) throw new StateError(`Value for custom ${word} field [${key}] was null`);
      this.processParsedValue(custom[key]);
      this.message(`Matched custom tag [${key}] for rule: ${ruleText(this.rule)}`);
    } else {
      this.message(`No match on custom tag [${key}] for rule: ${ruleText(this.rule)}`);
    }
  }

  private processParsedValue(value: string): void {
    const regex = this.regexOf(this.rule);
    if (!regex && !this.rule.separator) this.setCurrentName(value, value);
    else if (regex) this.processRegexRule(value, regex);
    else this.processSplit(value);
  }

  private processSplit(value: string): void {
    if (this.splits === null) {
      if (!value) throw new StateError(`Value was empty for rule: ${ruleText(this.rule)}`);
      this.splits = javaSplit(value, compileRegex(this.rule.separator));
      if (this.splits.length < 1) {
        this.message(`Separator did not match, created an empty list on rule: ${ruleText(this.rule)}`);
        this.splitIdx = 1;
        return;
      }
      this.splitIdx = 0;
    }
    this.setCurrentName(value, this.splits[this.splitIdx]);
    this.splitIdx++;
  }

  private processRegexRule(value: string, regex: RE2JS): void {
    const m = regex.matcher(value);
    if (!m.find()) return;
    const groups = m.groupCount();
    if (groups >= this.rule.regexGroupIdx + 1) {
      const extracted = m.group(this.rule.regexGroupIdx + 1);
      if (!extracted) this.message(`Extracted value for rule ${ruleText(this.rule)} was null or empty`);
      else this.setCurrentName(value, extracted);
    } else {
      this.message(`Regex group index [${this.rule.regexGroupIdx}] for rule ${ruleText(this.rule)} was out of bounds [${groups}]`);
    }
  }

  private setCurrentName(original: string, extracted: string): void {
    let format = this.rule.displayFormat;
    if (!format) {
      this.current!.displayName = extracted;
      return;
    }
    format = format.split('{ovalue}').join(original);
    format = format.split('{value}').join(extracted);
    format = format.split('{tsuid}').join(this.meta.tsuid);
    if (format.includes('{tag_name}')) {
      const type = this.rule.type;
      if (type === 'TAGK') format = format.split('{tag_name}').join(this.rule.field);
      else if (type === 'METRIC_CUSTOM' || type === 'TAGK_CUSTOM' || type === 'TAGV_CUSTOM') format = format.split('{tag_name}').join(this.rule.customField);
      else {
        format = format.split('{tag_name}').join('');
        this.message(`Display rule ${ruleText(this.rule)} was of the wrong type to match on {tag_name}`);
      }
    }
    this.current!.displayName = format;
  }
}

export { StateError };

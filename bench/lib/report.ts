/** Results of a comparison run: a table of absolute figures and ratios to a baseline, as text, JSON and Markdown. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeCheck, type AnswerCheck } from './query-checks';

export interface SystemResult {
  name: string;
  ingest: Record<string, number | null>; // points/s per load mode
  /**
   * Seconds of the server process' CPU (all its threads) per million points, per load mode:
   * from the first byte sent until every point answers a query, as the rate is timed.
   */
  ingestCpu: Record<string, number | null>;
  bytesPerPoint: number | null;
  peakRssMiB: number | null;
  /** ms: p50/p99 of the timed runs, and the first (cold) run, which is not among them */
  queries: Record<string, { p50: number; p99: number; first: number } | null>;
  notes: string[];
}

export interface RunResult {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  dataset: Record<string, number>;
  points: number;
  /** the long series of `long-1h-avg`, loaded after the timed ingest of the first mode */
  longSeries: { metric: string; tags: Record<string, string>; start: number; steps: number; intervalSec: number; days: number };
  /** bytes on disk per point divide by main + long series points */
  pointsOnDisk: number;
  /** answers of the checked queries against the generated data and the baseline */
  checks: AnswerCheck[];
  ceilings: Record<string, number>; // lines/s
  systems: SystemResult[];
  baseline: string;
  /** with `--rounds=N` (N > 1): each system's ratio to the baseline in each round, per ingest mode and for peak RSS, and their median */
  rounds?: { count: number; ratios: Record<string, Record<string, { ratios: (number | null)[]; median: number | null }>> };
}

export function machineInfo(): RunResult['machine'] {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

const fmt = (n: number | null | undefined, digits = 0) => (n === null || n === undefined || !Number.isFinite(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? `${(a / b).toFixed(2)}×` : '—');

/** The comparison's load mode of DSDB's protobuf `/api/put`: a form VictoriaMetrics does not take, set beside its JSON `/api/put`. */
export const PROTOBUF_PUT_MODE = 'protobuf /api/put ×4';

/**
 * The baseline's figure a system's figure for `mode` is set beside: its own for the mode,
 * or, for a form the baseline does not take (DSDB's protobuf), its JSON `/api/put`'s
 * (`besidePut`, which the table's label says).
 */
export function baselineFigure(figures: Record<string, number | null> | undefined, mode: string): { figure: number | null | undefined; besidePut: boolean } {
  const own = figures?.[mode];
  // only a form the baseline does not take: a mode it failed (a warm-up not queryable in time) has no figure
  if (own != null || mode !== PROTOBUF_PUT_MODE) return { figure: own, besidePut: false };
  const put = figures?.['HTTP /api/put'];
  return { figure: put, besidePut: put != null };
}

/** Rows: each measure; columns: each system with its ratio to the baseline. */
export function toMarkdown(run: RunResult): string {
  const base = run.systems.find((s) => s.name === run.baseline);
  const head = `| measure | ${run.systems.map((s) => `${s.name} | ratio`).join(' | ')} |`;
  const sep = `|---|${run.systems.map(() => '---:|---:').join('|')}|`;
  const rows: string[] = [];
  const modes = Object.keys(run.systems[0]?.ingest ?? {});
  // per load mode, its rate and then the server CPU a point
  const modeRows = (figures: (s: SystemResult) => Record<string, number | null> | undefined, measure: string, digits: number): void => {
    for (const mode of modes) {
      const { figure, besidePut } = baselineFigure(base ? figures(base) : undefined, mode);
      const label = besidePut ? " (ratio to the baseline's /api/put)" : '';
      rows.push(`| ingest ${mode}${label}${measure} | ${run.systems.map((s) => `${fmt(figures(s)?.[mode], digits)} | ${ratio(figures(s)?.[mode], figure)}`).join(' | ')} |`);
    }
  };
  modeRows((s) => s.ingest, ' (points/s, higher is better)', 0);
  modeRows((s) => s.ingestCpu, ': server CPU s per million points (lower is better)', 2);
  rows.push(`| bytes on disk per point (lower is better) | ${run.systems.map((s) => `${fmt(s.bytesPerPoint, 2)} | ${ratio(s.bytesPerPoint, base?.bytesPerPoint)}`).join(' | ')} |`);
  rows.push(`| peak RSS MiB (lower is better) | ${run.systems.map((s) => `${fmt(s.peakRssMiB)} | ${ratio(s.peakRssMiB, base?.peakRssMiB)}`).join(' | ')} |`);
  for (const q of Object.keys(run.systems[0]?.queries ?? {})) {
    for (const [p, label] of [['p50', 'p50'], ['p99', 'p99'], ['first', 'first run']] as const) {
      rows.push(`| query ${q} ${label} ms (lower is better) | ${run.systems.map((s) => `${fmt(s.queries[q]?.[p], 1)} | ${ratio(s.queries[q]?.[p], base?.queries[q]?.[p])}`).join(' | ')} |`);
    }
  }
  const long = run.longSeries;
  const ingestOnly = run.pointsOnDisk === run.points;
  const longText = ingestOnly ? `Ingest only (--ingest-only): no long series, no queries; bytes on disk per point divide by ${fmt(run.pointsOnDisk)} points.` : `Long series (query long-1h-avg): ${long.metric}{${Object.entries(long.tags).map(([k, v]) => `${k}=${v}`).join(',')}}, ${long.days} days = ${fmt(long.steps)} points at ${long.intervalSec} s from ${new Date(long.start * 1000).toISOString()}, loaded after the timed ingest; bytes on disk per point divide by ${fmt(run.pointsOnDisk)} points (main + long series).`;
  const checks = run.checks.map((c) => `- ${describeCheck(c)}`).join('\n');
  const ceilings = Object.entries(run.ceilings).map(([k, v]) => `- ${k}: ${fmt(v)} lines/s`).join('\n');
  const notes = run.systems.flatMap((s) => s.notes.map((n) => `- ${s.name}: ${n}`)).join('\n');
  // DSDB's ingest as a fraction of what one Node process can do with the same bytes.
  const fractions = run.systems
    .filter((s) => s.name.startsWith('DSDB'))
    .flatMap((s) =>
      Object.entries(s.ingest).flatMap(([mode, rate]) =>
        Object.entries(run.ceilings).map(([ceiling, limit]) => (rate ? `- ${s.name}, ingest ${mode}: ${((rate / limit) * 100).toFixed(0)}% of ${ceiling}` : '')),
      ),
    )
    .filter(Boolean)
    .join('\n');
  return [
    `Run of ${run.date} on ${run.machine.cpus} × ${run.machine.cpuModel}, ${run.machine.memoryGiB} GiB, Node ${run.machine.node}.`,
    `Dataset: ${fmt(run.points)} points (${Object.entries(run.dataset).map(([k, v]) => `${k}=${v}`).join(', ')}). Ratios are to ${run.baseline}, measured in the same run.`,
    longText,
    'Query "first run": the first time each query is asked after the load and flush (not among the p50/p99 runs).',
    '',
    ...(run.rounds ? [`Each figure is the median of ${run.rounds.count} rounds, the systems measured in alternating order (A B, B A, …); the ratios of each round follow the table.`, ''] : []),
    head,
    sep,
    ...rows,
    ...(run.rounds ? ['', roundsTable(run.rounds, run.baseline)] : []),
    '',
    'Ceilings (a Node process on this machine):',
    ceilings,
    ...(fractions ? ['', 'DSDB ingest as a fraction of the ceilings:', fractions] : []),
    ...(checks ? ['', 'Answer checks (relative tolerance 1e-9):', checks] : []),
    ...(notes ? ['', 'Notes:', notes] : []),
  ].join('\n');
}

/** Each round's ratio to the baseline, per system and measure, and their median. */
function roundsTable(rounds: NonNullable<RunResult['rounds']>, baseline: string): string {
  const headers = Array.from({ length: rounds.count }, (_, i) => `round ${i + 1}`);
  const lines = [`| ratio to ${baseline}, each round | ${headers.join(' | ')} | median |`, `|---|${headers.map(() => '---:|').join('')}---:|`];
  for (const [system, measures] of Object.entries(rounds.ratios)) {
    for (const [measure, { ratios, median }] of Object.entries(measures)) {
      const cell = (r: number | null) => (r === null ? '—' : `${r.toFixed(2)}×`);
      lines.push(`| ${system}: ${measure} | ${ratios.map(cell).join(' | ')} | **${cell(median)}** |`);
    }
  }
  return lines.join('\n');
}

export function writeResults(run: RunResult, dir: string): { json: string; markdown: string } {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = run.date.replace(/[:.]/g, '-');
  const json = path.join(dir, `compare-${stamp}.json`);
  const markdown = path.join(dir, `compare-${stamp}.md`);
  fs.writeFileSync(json, JSON.stringify(run, null, 2));
  fs.writeFileSync(markdown, toMarkdown(run) + '\n');
  return { json, markdown };
}

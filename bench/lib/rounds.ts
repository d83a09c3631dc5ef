/**
 * Several rounds of one comparison (`--rounds=N`), merged. Each round measures every
 * system, in turn, the order alternating from round to round (A B, B A, A B…), so that a
 * stretch of a shared machine's slow or fast minutes falls on both sides rather than on
 * whichever system happened to run in it. A figure is the median over the rounds; the
 * ratios of each round (a system and the baseline measured minutes apart) are kept too,
 * and their median is the figure to read.
 */
import { baselineFigure, type SystemResult } from './report';

/** The middle value (the mean of the two middle ones for an even count); null when none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (known.length === 0) return null;
  const mid = known.length >> 1;
  return known.length % 2 === 1 ? known[mid]! : (known[mid - 1]! + known[mid]!) / 2;
}

/** The order systems run in, round `round` (0-based): as given, then reversed, and so on. */
export function roundOrder<T>(systems: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...systems] : [...systems].reverse();
}

/** One system's rounds (the same system in each) merged: every figure the median of its rounds. */
export function mergeRounds(rounds: readonly SystemResult[]): SystemResult {
  const first = rounds[0]!;
  if (rounds.length === 1) return first;
  const ingest: SystemResult['ingest'] = {};
  for (const mode of Object.keys(first.ingest)) ingest[mode] = median(rounds.map((r) => r.ingest[mode]));
  const ingestCpu: SystemResult['ingestCpu'] = {};
  for (const mode of Object.keys(first.ingestCpu)) ingestCpu[mode] = median(rounds.map((r) => r.ingestCpu[mode]));
  const queries: SystemResult['queries'] = {};
  for (const q of Object.keys(first.queries)) {
    const runs = rounds.map((r) => r.queries[q]);
    const p50 = median(runs.map((x) => x?.p50));
    queries[q] = p50 === null ? null : { p50, p99: median(runs.map((x) => x?.p99))!, first: median(runs.map((x) => x?.first))! };
  }
  const notes = [...new Set(rounds.flatMap((r) => r.notes))];
  return {
    name: first.name,
    ingest,
    ingestCpu,
    bytesPerPoint: median(rounds.map((r) => r.bytesPerPoint)),
    peakRssMiB: median(rounds.map((r) => r.peakRssMiB)),
    queries,
    notes: [`median of ${rounds.length} rounds`, ...notes],
  };
}

/**
 * Each round's ingest ratio of `system` to `baseline` per load mode (a mode the baseline
 * does not take is set beside its `/api/put`, as the table does), the ratio of the server
 * CPU a point costs per mode (lower is better), and the peak RSS ratio, with their medians.
 */
export function roundRatios(system: readonly SystemResult[], baseline: readonly SystemResult[]): Record<string, { ratios: (number | null)[]; median: number | null }> {
  const out: Record<string, { ratios: (number | null)[]; median: number | null }> = {};
  const modeRatios = (figures: (r: SystemResult) => Record<string, number | null>, suffix: string): void => {
    for (const mode of Object.keys(system[0] ? figures(system[0]) : {})) {
      const ratios = system.map((r, i) => {
        const base = baseline[i] ? baselineFigure(figures(baseline[i]!), mode).figure : undefined;
        const value = figures(r)[mode];
        return value && base ? value / base : null;
      });
      out[mode + suffix] = { ratios, median: median(ratios) };
    }
  };
  modeRatios((r) => r.ingest, '');
  // the CPU a point costs, to the baseline's: lower is better
  modeRatios((r) => r.ingestCpu, ', CPU a point');
  const peaks = system.map((r, i) => (r.peakRssMiB && baseline[i]?.peakRssMiB ? r.peakRssMiB / baseline[i]!.peakRssMiB! : null));
  out['peak RSS'] = { ratios: peaks, median: median(peaks) };
  return out;
}

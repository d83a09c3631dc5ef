/**
 * Runs fuzz targets at both levels with fast-check: a seeded run of `inputs` generated
 * inputs; a failure is shrunk to a small counterexample and reported with the seed and
 * path that replay it (fast-check's `seed` and `path` parameters).
 */
import fc from 'fast-check';
import { startDaemon, type RunningDaemon } from '../helpers/daemon';
import { FUZZ_PLUGINS, type FuzzDaemon } from './daemon';
import type { DirectContext, FuzzTarget } from './targets';

export interface RunOptions {
  seed: number;
  inputs: number;
  /** replay one failing case: fast-check's path from a failure report */
  path?: string;
}

export interface RunResult {
  target: string;
  level: 'direct' | 'e2e';
  inputs: number;
  ms: number;
  /** fast-check's report (counterexample, seed, path) when an oracle failed */
  failure?: string;
}

/** An in-process kernel with the fuzz daemon's plugins, for the registries and taps the parsers use. */
export async function directContext(): Promise<{ context: DirectContext; stop: () => Promise<void> }> {
  const daemon: RunningDaemon = await startDaemon({ plugins: FUZZ_PLUGINS as never, storage: 'memory' });
  return { context: { aggregators: daemon.kernel.container.resolve('aggregators'), hooks: daemon.kernel.hooks }, stop: () => daemon.stop() };
}

/** fast-check's report: counterexample, seed, path and (includeErrorInReport) the oracle's message. */
function report(err: unknown): string {
  return (err as Error).message;
}

/**
 * Runs `inputs` inputs; after a failure goes on from the next seed (seed+1, …) until the
 * count is reached, so a long run reports every distinct finding, up to `maxFindings`.
 */
export function runDirect<T>(target: FuzzTarget<T>, context: DirectContext, options: RunOptions & { maxFindings?: number }): RunResult {
  const started = performance.now();
  const failures: string[] = [];
  let done = 0;
  for (let seed = options.seed; done < options.inputs && failures.length < (options.maxFindings ?? 1); seed++) {
    try {
      fc.assert(
        fc.property(target.input, (input) => target.direct(input, context)),
        { seed, numRuns: options.inputs - done, path: options.path, endOnFailure: true, includeErrorInReport: true },
      );
      done = options.inputs;
    } catch (err) {
      failures.push(report(err));
      done += Number(/failed after (\d+) test/.exec(report(err))?.[1] ?? 1);
    }
  }
  return { target: target.name, level: 'direct', inputs: done, ms: Math.round(performance.now() - started), failure: failures.length > 0 ? failures.join('\n\n') : undefined };
}

export async function runE2e<T>(target: FuzzTarget<T>, daemon: FuzzDaemon, options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  let failure: string | undefined;
  try {
    await fc.assert(
      fc.asyncProperty(target.input, (input) => target.e2e(input, daemon)),
      // no shrinking through a daemon (slow): the failing input is reported as generated
      { seed: options.seed, numRuns: options.inputs, path: options.path, endOnFailure: true, includeErrorInReport: true },
    );
  } catch (err) {
    failure = report(err);
  }
  return { target: target.name, level: 'e2e', inputs: options.inputs, ms: Math.round(performance.now() - started), failure };
}

export function formatResult(r: RunResult): string {
  const rate = r.ms > 0 ? Math.round((r.inputs / r.ms) * 1000) : r.inputs;
  return `${r.target.padEnd(14)} ${r.level.padEnd(6)} ${String(r.inputs).padStart(9)} inputs ${String(r.ms).padStart(8)} ms ${String(rate).padStart(7)}/s  ${r.failure ? 'FAILED' : 'ok'}`;
}

/**
 * The parameters of OpenTSDB's `/q` (GraphHandler): `start`, `end`, `m` (repeatable),
 * `wxh`, `tz`, output flags `png` / `json` / `ascii`, and the gnuplot styling DSDB
 * draws itself: `yrange`, `ylabel`, `ylog`, `key`, `nokey`, `title`. Bad input is a
 * GraphError with OpenTSDB's message.
 */

export class GraphError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type GraphFormat = 'png' | 'json' | 'ascii' | 'html';

export interface KeyOptions {
  show: boolean;
  /** gnuplot's `out`/`outside`: the legend goes below the plot instead of over it */
  outside: boolean;
  horizontal: 'left' | 'right';
  vertical: 'top' | 'bottom';
  box: boolean;
}

export interface GraphParams {
  start: string;
  end?: string;
  tz?: string;
  ms: string[];
  width: number;
  height: number;
  format: GraphFormat;
  yrange: { min?: number; max?: number };
  ylabel?: string;
  title?: string;
  ylog: boolean;
  key: KeyOptions;
}

export type QueryString = Record<string, string | string[] | undefined>;

export const DEFAULT_WIDTH = 800;
export const DEFAULT_HEIGHT = 600;
/** A bigger image is refused: its pixels are allocated at once. */
export const MAX_SIDE = 4096;
const MIN_SIDE = 100;

const last = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[value.length - 1] : value);
const all = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function parseGraphParams(qs: QueryString): GraphParams {
  const start = last(qs.start);
  if (!start) throw new GraphError(400, 'Missing parameter <code>start</code>');
  const ms = all(qs.m).filter((m) => m !== '');
  if (ms.length === 0) throw new GraphError(400, 'Missing parameter <code>m</code>');
  const { width, height } = parseWxh(last(qs.wxh));
  return {
    start,
    end: last(qs.end) || undefined,
    tz: last(qs.tz) || undefined,
    ms,
    width,
    height,
    format: 'json' in qs ? 'json' : 'ascii' in qs ? 'ascii' : 'png' in qs ? 'png' : 'html',
    yrange: parseYrange(last(qs.yrange)),
    ylabel: last(qs.ylabel) || undefined,
    title: last(qs.title) || undefined,
    ylog: 'ylog' in qs,
    key: parseKey(last(qs.key), 'nokey' in qs),
  };
}

/** `wxh=800x400`, OpenTSDB's checks and messages, plus an upper bound. */
export function parseWxh(wxh: string | undefined): { width: number; height: number } {
  if (!wxh) return { width: DEFAULT_WIDTH, height: DEFAULT_HEIGHT };
  if (wxh.length < 7) throw new GraphError(400, `Parameter wxh too short: ${wxh}`);
  const x = wxh.indexOf('x', 3);
  if (x < 0) throw new GraphError(400, `Invalid wxh parameter: ${wxh}`);
  const [w, h] = [wxh.slice(0, x), wxh.slice(x + 1)];
  if (!/^\d{1,5}$/.test(w) || !/^\d{1,5}$/.test(h)) throw new GraphError(400, `Can't parse wxh '${wxh}': For input string: "${/^\d{1,5}$/.test(w) ? h : w}"`);
  const width = Number(w);
  const height = Number(h);
  if (width < MIN_SIDE || height < MIN_SIDE) throw new GraphError(400, `Parameter wxh too small: ${wxh} (minimum ${MIN_SIDE}x${MIN_SIDE})`);
  if (width > MAX_SIDE || height > MAX_SIDE) throw new GraphError(400, `Parameter wxh too large: ${wxh} (maximum ${MAX_SIDE}x${MAX_SIDE})`);
  return { width, height };
}

const BOUND = /^\s*(?:\*|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)?\s*$/;

/** gnuplot's `[min:max]`, either side empty or `*` for automatic. */
export function parseYrange(text: string | undefined): { min?: number; max?: number } {
  if (!text) return {};
  const match = /^\[([^:\]]*):([^:\]]*)\]$/.exec(text.trim());
  if (!match || !BOUND.test(match[1]!) || !BOUND.test(match[2]!)) {
    throw new GraphError(400, `'yrange' was invalid. Must be in the format [min:max].`);
  }
  const bound = (s: string) => (s.trim() === '' || s.trim() === '*' ? undefined : Number(s));
  const range = { min: bound(match[1]!), max: bound(match[2]!) };
  if (range.min !== undefined && range.max !== undefined && range.min >= range.max) {
    throw new GraphError(400, `'yrange' was invalid. The minimum must be less than the maximum.`);
  }
  return range;
}

/** gnuplot's `key` words DSDB understands: `out`/`outside`, `left`/`right`, `top`/`bottom`, `box`. */
export function parseKey(text: string | undefined, nokey: boolean): KeyOptions {
  const words = new Set((text ?? '').toLowerCase().split(/\s+/).filter(Boolean));
  return {
    show: !nokey && !words.has('off'),
    outside: words.has('out') || words.has('outside'),
    horizontal: words.has('left') ? 'left' : 'right',
    vertical: words.has('bottom') ? 'bottom' : 'top',
    box: words.has('box'),
  };
}

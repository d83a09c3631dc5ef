/**
 * The JSON-path subset DSDB uses to pick a numeric field out of JSON values:
 * `$` the root, `.name` or `['name']` a member, `[n]` an array element; the leading
 * `$` and `.` may be left out (`cpu.user` = `$.cpu.user`). See docs/query.md.
 */
import { ApiError, JsonNumber } from '../../lib/opentsdb';

export type PathStep = string | number;

export function compileJsonPath(path: string): PathStep[] {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const steps: PathStep[] = [];
  const bad = () => new ApiError(400, `Invalid jsonPath: ${path}`);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      rest = rest.slice(1);
      continue;
    }
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) throw bad();
      const inner = rest.slice(1, close).trim();
      if (/^\d+$/.test(inner)) steps.push(Number(inner));
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push(inner.slice(1, -1));
      else throw bad();
      rest = rest.slice(close + 1);
      continue;
    }
    const m = /^[^.[\]]+/.exec(rest);
    if (!m) throw bad();
    steps.push(m[0]);
    rest = rest.slice(m[0].length);
  }
  if (steps.length === 0) throw bad();
  return steps;
}

/** The value at `steps`, or undefined. */
export function selectPath(value: unknown, steps: readonly PathStep[]): unknown {
  let current = value;
  for (const step of steps) {
    // a number has no fields (parseExactJson's JsonNumber is an object: its `text` is none)
    if (current === null || typeof current !== 'object' || current instanceof JsonNumber) return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, step)) return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

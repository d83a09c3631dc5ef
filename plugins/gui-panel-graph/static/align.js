// uPlot wants one shared x array and a y array per series: the union of every numeric
// series' timestamps, with null where a series has no point (drawn across: spanGaps).

/** `[xs, ys…]` for uPlot from series of `[t, v]` points. Discrete series add only their times. */
export function alignSeries(numeric, discrete) {
  const times = new Set();
  for (const s of numeric) for (const [t] of s.points) times.add(t);
  for (const s of discrete) for (const [t] of s.points) times.add(t);
  const xs = Float64Array.from(times).sort();
  const index = new Map();
  xs.forEach((t, i) => index.set(t, i));
  const ys = numeric.map((s) => {
    const y = new Array(xs.length).fill(null);
    for (const [t, v] of s.points) y[index.get(t)] = v;
    return y;
  });
  return [Array.from(xs), ...ys];
}

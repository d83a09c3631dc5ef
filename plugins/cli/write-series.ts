/** Writes a stream of series as lines (export, scan); returns what it wrote. */
import type { SeriesData } from '../../core';
import type { TextOutput } from './output';
import { pointLine, seriesAffixes, type LineFormat } from './point-format';

export async function writeSeries(source: AsyncIterable<SeriesData>, out: TextOutput | undefined, format: LineFormat): Promise<{ points: number; series: number; mostTags: number }> {
  let points = 0;
  let series = 0;
  let mostTags = 0;
  for await (const { series: info, points: p } of source) {
    mostTags = Math.max(mostTags, Object.keys(info.tags).length);
    if (out) {
      const affixes = seriesAffixes(format, info.metric, info.tags);
      for (let i = 0; i < p.length; i++) await out.write(pointLine(format, affixes, p.timestamps[i]!, p.kinds[i]!, p.floats[i]!, p.ints[i]!, p.texts[i]));
    }
    points += p.length;
    series++;
  }
  await out?.close();
  return { points, series, mostTags };
}

/** A daemon with the GUI, its panels, the example panel and test data, for the GUI tests. */
import { ValueKind, type DataPoint } from '../../core';
import { startQueryDaemon, type QueryDaemon } from '../helpers/query';

export const GUI_PLUGINS = ['gui', 'gui-panel-query', 'gui-panel-graph', 'gui-panel-table', 'graph-image'];
export const EXAMPLE_PANEL = './examples/gui-panel-plugin';

export function startGuiDaemon(extra: unknown[] = []): Promise<QueryDaemon> {
  return startQueryDaemon([...GUI_PLUGINS, EXAMPLE_PANEL, ...extra]);
}

/** The last whole minute, minus an hour: test data spans the hour before now. */
export const T0 = Math.floor(Date.now() / 60_000) * 60 - 3600;

const float = (value: number) => ({ kind: ValueKind.Float, value }) as const;

/** sys.cpu.user on three hosts (web01 rises, web02 falls, db01 flat), sys.mem.free, and a string series. */
export function sampleData(): DataPoint[] {
  const points: DataPoint[] = [];
  for (let i = 0; i < 60; i++) {
    const timestamp = (T0 + i * 60) * 1000;
    points.push({ metric: 'sys.cpu.user', tags: { host: 'web01', dc: 'eu' }, timestamp, value: float(10 + i) });
    points.push({ metric: 'sys.cpu.user', tags: { host: 'web02', dc: 'eu' }, timestamp, value: float(80 - i) });
    points.push({ metric: 'sys.cpu.user', tags: { host: 'db01', dc: 'us' }, timestamp, value: float(50) });
    points.push({ metric: 'sys.mem.free', tags: { host: 'web01', dc: 'eu' }, timestamp, value: { kind: ValueKind.Int, value: BigInt(1000 + i * 10) } });
  }
  for (const [i, state] of ['open', 'closed', 'open'].entries()) {
    points.push({ metric: 'door.state', tags: { room: 'lab' }, timestamp: (T0 + 600 + i * 900) * 1000, value: { kind: ValueKind.String, value: state } });
  }
  return points;
}

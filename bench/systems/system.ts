/** What the comparison needs from each system under test. */
import type { DatasetOptions } from '../lib/dataset';

export type QueryName = 'raw-series' | 'sum-1m-avg' | 'rate-by-dc';

export interface SystemUnderTest {
  readonly name: string;
  /** a slow system loads the dataset once (telnet ×1) to keep the run short */
  readonly firstModeOnly?: boolean;
  /** starts a fresh instance with an empty data dir */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** port for telnet `put` lines */
  readonly telnetPort: number;
  /** URL accepting OpenTSDB `/api/put` JSON */
  readonly putUrl: string;
  /** points a query can see now (for "ingest until queryable") */
  countPoints(dataset: DatasetOptions): Promise<number>;
  /** makes written data durable/compacted before disk is measured */
  flush(): Promise<void>;
  diskBytes(): number;
  peakRssBytes(): number;
  /** runs one of the standard queries in the system's native language */
  query(name: QueryName, dataset: DatasetOptions): Promise<void>;
}

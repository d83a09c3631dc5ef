/** The npm `hbase` client ships no types: the engine uses only its constructor and connection (rest.ts). */
declare module 'hbase' {
  function hbase(options: { host: string; port: number; timeout?: number }): unknown;
  export = hbase;
}

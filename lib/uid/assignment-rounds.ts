/**
 * Requests run in rounds, one round at a time: a request made while a round runs waits for
 * it, then goes with every other request made meanwhile in the next one (a group commit's
 * shape). MetaUidService keeps one per UID kind: a kind's assignments must not overlap in
 * one process (its ids are tried in sequence), but a round's names share the store's
 * writes, so 1 000 new names cost two durable writes' wait, not 2 000.
 */
export class AssignmentRounds<R> {
  private waiting: { name: string; resolve: (result: R) => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  /**
   * @param run assigns a round's names (in request order); one result or Error per name, in
   *   that order. A throw fails every name of the round.
   * @param maxRound the most names a round takes (bounds the requests a round sends at once)
   */
  constructor(
    private readonly run: (names: string[]) => Promise<(R | Error)[]>,
    private readonly maxRound: number,
  ) {}

  /** Resolves with the name's result once a round has run it; rejects with its Error. */
  request(name: string): Promise<R> {
    const done = new Promise<R>((resolve, reject) => this.waiting.push({ name, resolve, reject }));
    if (!this.running) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.running = true;
    // the caller's other requests of this tick (a batch's new names) join the first round
    await undefined;
    try {
      while (this.waiting.length > 0) {
        const round = this.waiting.splice(0, this.maxRound);
        let results: (R | Error)[];
        try {
          results = await this.run(round.map((r) => r.name));
        } catch (err) {
          for (const r of round) r.reject(err);
          continue;
        }
        for (let k = 0; k < round.length; k++) {
          const result = results[k]!;
          if (result instanceof Error) round[k]!.reject(result);
          else round[k]!.resolve(result);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Options of the Deno KV event log. */
export interface KvEventLogOptions {
  /** Most commits written in one atomic (default 500). */
  maxBatch?: number;
  /**
   * How often the stream index catches up with the feed (default 2 s). A
   * flush writes one entry per stream touched since the last one, so a
   * longer interval writes fewer entries per commit (index atomics delay
   * group commits on the same KV writer); commits not indexed yet are read
   * from memory.
   */
  indexIntervalMs?: number;
  /** Unindexed commits that trigger an index flush at once (default 20 000). */
  maxUnindexed?: number;
}

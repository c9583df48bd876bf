/** One unit of parallel work: a grid area over a sub-range of the job's period. */
export interface Batch {
  id: string;
  gridArea: string;
  periodStart: string;
  periodEnd: string;
}

/** What a calculated batch wrote (the commit checks every path exists). */
export interface BatchOutput {
  batchId: string;
  path: string;
  rows: number;
  counts: Record<string, number>;
  /**
   * Wholesale and correction settlements: the batch's final wholesale rows (amounts per charge of
   * its time slice); the monthly amounts and totals come from the commit's reduce.
   */
  wholesalePath?: string;
  wholesaleRows?: number;
  /** Wholesale: the slice's exact partial sums of the monthly amounts (wholesale-partial.ts), reduced at commit. */
  wholesalePartialPath?: string;
  /** What the batch read (BatchBasisData JSON). */
  basisDataPath?: string;
  /** Time series points the batch read (its work: batches are sized by points). */
  points?: number;
  /** Bytes of the lake blobs the batch's view held (a batch reads only its share of the lake). */
  bytesRead?: number;
}

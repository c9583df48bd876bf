/**
 * Normalised market data rows, columnar: what a source client produces from its responses and
 * what the lake stores (plus the fetch time). Areas and units are few strings per batch, kept
 * as plain arrays; times, lengths and values are typed arrays.
 */
import type { MarketDataKind } from './market-series';

export interface MarketRows {
  source: string;
  kind: MarketDataKind;
  area: string[];
  unit: string[];
  startMs: Float64Array;
  minutes: Int32Array;
  /** value × 10^6 */
  value: BigInt64Array;
}

export class MarketRowsBuilder {
  private readonly area: string[] = [];
  private readonly unit: string[] = [];
  private readonly start: number[] = [];
  private readonly minutes: number[] = [];
  private readonly value: bigint[] = [];

  constructor(
    readonly source: string,
    readonly kind: MarketDataKind,
  ) {}

  get length(): number {
    return this.start.length;
  }

  add(area: string, unit: string, startMs: number, minutes: number, value: bigint): void {
    this.area.push(area);
    this.unit.push(unit);
    this.start.push(startMs);
    this.minutes.push(minutes);
    this.value.push(value);
  }

  /**
   * The rows, one per (area, unit, start): when a source repeats an interval (SMARD chunks
   * overlap, EDS pages shift while paging) the row added last wins.
   */
  build(): MarketRows {
    const last = new Map<string, number>();
    for (let i = 0; i < this.start.length; i++) last.set(`${this.area[i]}|${this.unit[i]}|${this.start[i]}`, i);
    const keep = [...last.values()].sort((a, b) => this.start[a] - this.start[b] || a - b);
    return {
      source: this.source,
      kind: this.kind,
      area: keep.map((i) => this.area[i]),
      unit: keep.map((i) => this.unit[i]),
      startMs: Float64Array.from(keep, (i) => this.start[i]),
      minutes: Int32Array.from(keep, (i) => this.minutes[i]),
      value: BigInt64Array.from(keep, (i) => this.value[i]),
    };
  }
}

export const emptyRows = (source: string, kind: MarketDataKind): MarketRows =>
  new MarketRowsBuilder(source, kind).build();

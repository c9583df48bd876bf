/**
 * A small in-memory BasisDataSource (master data periods and points given as objects) for tests of
 * readers built on the source port; the lake and the as-of overlay implement the same port.
 */
import type { BasisDataSource, MeteringPointPeriod, TimeSeriesBatch } from '../../shared/basis-data/types';
import type { Resolution } from '../../shared/domain/codes';

export interface TestPoint {
  mp: string;
  time: string;
  /** kWh with up to 3 decimals */
  kwh: string;
  registration?: string;
}

export function period(
  mp: string,
  o: {
    gridArea?: string;
    supplier?: string | null;
    brp?: string | null;
    resolution?: Resolution;
    from?: string;
    to?: string | null;
    type?: 'E17' | 'E18';
  },
): MeteringPointPeriod {
  return {
    meteringPointId: mp,
    type: o.type ?? 'E17',
    calculationType: null,
    settlementMethod: (o.type ?? 'E17') === 'E17' ? 'E02' : null,
    gridAreaCode: o.gridArea ?? '800',
    resolution: o.resolution ?? 'PT15M',
    fromGridAreaCode: null,
    toGridAreaCode: null,
    parentMeteringPointId: null,
    energySupplierId: o.supplier === undefined ? '5790000000001' : o.supplier,
    balanceResponsiblePartyId: o.brp === undefined ? '5790000000009' : o.brp,
    fromDate: Date.parse(o.from ?? '2020-01-01T00:00:00Z'),
    toDate: o.to ? Date.parse(o.to) : null,
    source: { file: 'memory', row: 0 },
  };
}

export class MemoryBasisData implements BasisDataSource {
  readonly description = 'memory';
  readonly reads: Array<{ from: number; to: number }> = [];
  constructor(
    private readonly periods: MeteringPointPeriod[],
    private readonly points: TestPoint[],
  ) {}
  readMeteringPointPeriods(): Promise<MeteringPointPeriod[]> {
    return Promise.resolve(this.periods);
  }
  readGridLossMeteringPointIds(): Promise<string[]> {
    return Promise.resolve([]);
  }
  readCharges() {
    return Promise.resolve({ priceInformation: [], prices: [], links: [] });
  }
  forEachTimeSeriesBatch(
    dictionary: ReadonlyMap<string, number>,
    range: { from: number; to: number },
    onBatch: (batch: TimeSeriesBatch) => void,
  ): Promise<void> {
    this.reads.push(range);
    const n = this.points.length;
    onBatch({
      length: n,
      mp: Int32Array.from(this.points, (p) => dictionary.get(p.mp) ?? -1),
      time: Float64Array.from(this.points, (p) => Date.parse(p.time)),
      quantityMilli: Float64Array.from(this.points, (p) => Math.round(Number(p.kwh) * 1000)),
      quality: new Uint8Array(n),
      registration: Float64Array.from(this.points, (p) => (p.registration ? Date.parse(p.registration) : 0)),
      file: 'memory',
      firstRow: 1,
    });
    return Promise.resolve();
  }
}

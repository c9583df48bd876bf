/**
 * Charge basis data (tariffs, subscriptions, fees): price information periods, price points and
 * links to metering points, from the scenario CSV folder or the Parquet lake. Validated row by
 * row like the energy inputs (file, row, column, reason).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { mkdir, readdir } from 'node:fs/promises';
import { parseScaled, DecimalFormatError } from '../decimal/scaled';
import { columnIndexes, readCsv } from './csv';
import { ValidationError } from './errors';
import {
  arrowValueText,
  readParquetTable,
  stringColumn,
  tableOf,
  timestampColumn,
  writeParquetFile,
} from './parquet/arrow-io';
import { parseInstant } from '../domain/time';
import { isLocalMidnight } from '../domain/local-time';
import { GSRN_RE } from '../domain/identifiers';
import { linkPartitions, type LakeLayout } from './parquet/lake-layout';

export const CHARGE_TYPES = ['tariff', 'subscription', 'fee'] as const;
export type ChargeType = (typeof CHARGE_TYPES)[number];

export interface ChargeKey {
  chargeCode: string;
  chargeType: ChargeType;
  chargeOwnerId: string;
}

export interface ChargePriceInformation extends ChargeKey {
  resolution: 'PT1H' | 'P1D' | 'P1M';
  isTax: boolean;
  fromDate: number;
  toDate: number | null;
}

export interface ChargePrice extends ChargeKey {
  /** micro-DKK (6 dp) */
  priceMicro: number;
  chargeTime: number;
}

export interface ChargeLink extends ChargeKey {
  meteringPointId: string;
  /** Integer factor ≥ 1 */
  quantity: number;
  fromDate: number;
  toDate: number | null;
}

export interface ChargeData {
  priceInformation: ChargePriceInformation[];
  prices: ChargePrice[];
  links: ChargeLink[];
}

export const chargeKeyString = (k: ChargeKey) => `${k.chargeCode}|${k.chargeType}|${k.chargeOwnerId}`;

export const CHARGE_FILES = {
  priceInformation: 'charge_price_information_periods',
  prices: 'charge_price_points',
  links: 'charge_link_periods',
} as const;

const COLUMNS = {
  priceInformation: ['charge_code', 'charge_type', 'charge_owner_id', 'resolution', 'is_tax', 'from_date', 'to_date'],
  prices: ['charge_code', 'charge_type', 'charge_owner_id', 'charge_price', 'charge_time'],
  links: ['charge_code', 'charge_type', 'charge_owner_id', 'metering_point_id', 'quantity', 'from_date', 'to_date'],
} as const;

/** A row as text, or (from Parquet) timestamps already as epoch ms. */
type Raw = Record<string, string | number>;

class RowReader {
  constructor(
    readonly file: string,
    readonly row: number,
    readonly r: Raw,
  ) {}
  fail(column: string, reason: string): never {
    throw new ValidationError(this.file, this.row, column, reason);
  }
  text(c: string): string {
    const v = this.r[c];
    if (v === '') this.fail(c, 'value is required');
    return String(v);
  }
  key(): ChargeKey {
    const chargeType = this.text('charge_type');
    if (!(CHARGE_TYPES as readonly string[]).includes(chargeType))
      this.fail('charge_type', `unknown charge type '${chargeType}' (expected tariff, subscription or fee)`);
    const owner = this.text('charge_owner_id');
    if (!/^[0-9A-Za-z-]{1,16}$/.test(owner)) this.fail('charge_owner_id', `'${owner}' is not a valid GLN/EIC id`);
    return { chargeCode: this.text('charge_code'), chargeType: chargeType as ChargeType, chargeOwnerId: owner };
  }
  instant(c: string, nullable: boolean): number | null {
    const v = this.r[c];
    if (typeof v === 'number') return v;
    if (v === '' && nullable) return null;
    const ms = parseInstant(this.text(c));
    if (ms === null) this.fail(c, `'${v}' is not an ISO-8601 UTC timestamp`);
    return ms;
  }
}

function parsePriceInformation(rd: RowReader): ChargePriceInformation {
  const key = rd.key();
  const resolution = rd.text('resolution');
  const allowed = key.chargeType === 'tariff' ? ['PT1H', 'P1D'] : ['P1M'];
  if (!allowed.includes(resolution))
    rd.fail('resolution', `a ${key.chargeType} has resolution ${allowed.join(' or ')}, not '${resolution}'`);
  const isTax = rd.text('is_tax').toLowerCase();
  if (isTax !== 'true' && isTax !== 'false') rd.fail('is_tax', `expected true or false, not '${rd.r.is_tax}'`);
  const fromDate = rd.instant('from_date', false) as number;
  const toDate = rd.instant('to_date', true);
  if (toDate !== null && toDate <= fromDate) rd.fail('to_date', 'must be after from_date');
  return {
    ...key,
    resolution: resolution as ChargePriceInformation['resolution'],
    isTax: isTax === 'true',
    fromDate,
    toDate,
  };
}

function parsePrice(rd: RowReader): ChargePrice {
  const key = rd.key();
  let priceMicro: number;
  const raw = rd.r.charge_price;
  try {
    // from Parquet the price arrives as micro-units already
    priceMicro = typeof raw === 'number' ? raw : parseScaled(rd.text('charge_price'), 6, 12);
    if (!Number.isSafeInteger(priceMicro)) rd.fail('charge_price', 'is out of the supported range');
  } catch (e) {
    if (e instanceof DecimalFormatError) rd.fail('charge_price', `${e.message} (decimal(18,6) expected)`);
    throw e;
  }
  if (priceMicro < 0) rd.fail('charge_price', 'must not be negative');
  const chargeTime = rd.instant('charge_time', false) as number;
  const problem = chargePriceTimeProblem(key.chargeType, chargeTime);
  if (problem !== null) rd.fail('charge_time', problem);
  return { ...key, priceMicro, chargeTime };
}

/**
 * Why a price point of this charge type cannot be at `chargeTime`, or null. Subscriptions and fees
 * are P1M charges, whose price points must lie on a local day start (Europe/Copenhagen midnight):
 * prices are looked up at the local day starts, so any other time could never price anything
 * (docs/wholesale-calculation.md, "Inputs"). Shared by the readers and the charge price events.
 */
export function chargePriceTimeProblem(chargeType: ChargeType, chargeTime: number): string | null {
  if (chargeType === 'tariff' || isLocalMidnight(chargeTime)) return null;
  return `a ${chargeType} (P1M) price point must lie on a local day start (midnight Europe/Copenhagen), not at ${new Date(chargeTime).toISOString().replace('.000Z', 'Z')}`;
}

function parseLink(rd: RowReader): ChargeLink {
  const key = rd.key();
  const mp = rd.text('metering_point_id');
  if (!GSRN_RE.test(mp)) rd.fail('metering_point_id', `'${mp}' is not a valid metering point id (18-digit GSRN)`);
  const q = rd.text('quantity');
  if (!/^\d+$/.test(q) || Number(q) < 1) rd.fail('quantity', `'${q}' is not a whole number ≥ 1`);
  const fromDate = rd.instant('from_date', false) as number;
  const toDate = rd.instant('to_date', true);
  if (toDate !== null && toDate <= fromDate) rd.fail('to_date', 'must be after from_date');
  return { ...key, meteringPointId: mp, quantity: Number(q), fromDate, toDate };
}

const PARSERS = { priceInformation: parsePriceInformation, prices: parsePrice, links: parseLink } as const;

/** Rows of one file of `table`; errors name `file` and the 1-based data row within it. */
function parseAll(table: keyof typeof COLUMNS, rows: Raw[], file: string): ChargeData[keyof ChargeData] {
  const parse = PARSERS[table];
  return rows.map((r, i) => parse(new RowReader(file, i + 1, r))) as ChargeData[keyof ChargeData];
}

/** `DIR/when/charge_*.csv`; absent files mean no charges of that kind. */
export async function readChargesCsv(scenarioDir: string): Promise<ChargeData> {
  const read = async (table: keyof typeof COLUMNS) => {
    const file = `${CHARGE_FILES[table]}.csv`;
    const path = join(scenarioDir, 'when', file);
    if (!existsSync(path)) return [];
    const t = await readCsv(path, file);
    const idx = columnIndexes(t, COLUMNS[table]);
    return parseAll(
      table,
      t.rows.map((f) => Object.fromEntries(COLUMNS[table].map((c) => [c, f[idx[c]]]))),
      file,
    );
  };
  return {
    priceInformation: (await read('priceInformation')) as ChargePriceInformation[],
    prices: (await read('prices')) as ChargePrice[],
    links: (await read('links')) as ChargeLink[],
  };
}

/**
 * One Parquet column as row values, decoded column-wise (no per-cell Arrow proxies): timestamps
 * as epoch ms, decimals as micro-units (charge_price), everything else as text; '' = null.
 */
function columnValues(v: arrow.Vector, column: string, file: string): Array<string | number> {
  const out = new Array<string | number>(v.length);
  let i = 0;
  for (const d of v.data) {
    const valid = (k: number) =>
      d.nullCount === 0 || !d.nullBitmap || (d.nullBitmap[(d.offset + k) >> 3] & (1 << ((d.offset + k) & 7))) !== 0;
    if (arrow.DataType.isTimestamp(d.type)) {
      const f = [1000, 1, 1 / 1000, 1 / 1_000_000][d.type.unit];
      const w = new Int32Array(
        (d.values as BigInt64Array).buffer,
        (d.values as BigInt64Array).byteOffset + d.offset * 8,
        d.length * 2,
      );
      for (let k = 0; k < d.length; k++) out[i++] = valid(k) ? (w[2 * k + 1] * 4294967296 + (w[2 * k] >>> 0)) * f : '';
    } else if (arrow.DataType.isDecimal(d.type)) {
      const scale = d.type.scale;
      if (scale > 6) throw new ValidationError(file, null, column, `DECIMAL scale ${scale} exceeds 6 decimals`);
      const words = new Uint32Array(
        (d.values as Uint32Array).buffer,
        (d.values as Uint32Array).byteOffset + d.offset * 16,
        d.length * 4,
      );
      for (let k = 0; k < d.length; k++)
        out[i++] = valid(k) ? (words[4 * k] + (words[4 * k + 1] | 0) * 4294967296) * 10 ** (6 - scale) : '';
    } else {
      const vec = arrow.makeVector(d);
      for (let k = 0; k < d.length; k++) {
        const x: unknown = vec.get(k);
        out[i++] = x === null || x === undefined ? '' : arrowValueText(x);
      }
    }
  }
  return out;
}

/** Parquet lake: one folder per charge table (e.g. `LAKE/charge_link_periods/`); absent folders mean no charges of that kind. */
export async function readChargesLake(lakeDir: string): Promise<ChargeData> {
  const read = async (table: keyof typeof COLUMNS) => {
    const dir = join(lakeDir, CHARGE_FILES[table]);
    if (!existsSync(dir)) return [];
    const out: Array<ChargeData[keyof ChargeData][number]> = [];
    // flat files (the pre-grid-area layout, and the whole price tables) and partition folders (links by grid area)
    const files: string[] = [];
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) if (e.isFile() && e.name.endsWith('.parquet')) files.push(e.name);
    for (const e of entries)
      if (e.isDirectory())
        for (const f of (await readdir(join(dir, e.name))).filter((n) => n.endsWith('.parquet')).sort())
          files.push(`${e.name}/${f}`);
    for (const f of files) {
      const t: arrow.Table = await readParquetTable(join(dir, f));
      const name = `${CHARGE_FILES[table]}/${f}`;
      const cols = COLUMNS[table].map((c) => {
        const v = t.getChild(c);
        if (!v) throw new ValidationError(name, null, c, 'required column is missing');
        return columnValues(v, c, name);
      });
      const names = COLUMNS[table];
      const rows = new Array<Raw>(t.numRows);
      for (let i = 0; i < t.numRows; i++) {
        const row: Raw = {};
        for (let k = 0; k < names.length; k++) row[names[k]] = cols[k][i];
        rows[i] = row;
      }
      // errors name the part file and the row within it (e.g. charge_price_points/part-0.parquet, row 3)
      for (const r of parseAll(table, rows, name)) out.push(r);
    }
    return out;
  };
  return {
    priceInformation: (await read('priceInformation')) as ChargePriceInformation[],
    prices: (await read('prices')) as ChargePrice[],
    links: (await read('links')) as ChargeLink[],
  };
}

/**
 * Writes charge data as Parquet tables of a lake (one folder per table), e.g. for tests and demos.
 * Links go to `charge_link_periods/grid_area=GGG/` by `layout` (lake-layout.ts); the price tables
 * stay whole (small next to the time series: per charge, not per metering point).
 */
export async function writeChargesLake(lakeDir: string, data: ChargeData, layout: LakeLayout): Promise<void> {
  const ts = (v: Array<number | null>) => timestampColumn(Float64Array.from(v, (x) => (x === null ? NaN : x)));
  const str = (v: string[]) => stringColumn(v);
  const write = async (table: keyof typeof CHARGE_FILES, cols: Record<string, arrow.Data>, folder = '') => {
    const dir = join(lakeDir, CHARGE_FILES[table], folder);
    await mkdir(dir, { recursive: true });
    await writeParquetFile(join(dir, 'part-0.parquet'), tableOf(cols));
  };
  const keyCols = <T extends ChargeKey>(rows: T[]) => ({
    charge_code: str(rows.map((r) => r.chargeCode)),
    charge_type: str(rows.map((r) => r.chargeType)),
    charge_owner_id: str(rows.map((r) => r.chargeOwnerId)),
  });
  const pi = data.priceInformation;
  await write('priceInformation', {
    ...keyCols(pi),
    resolution: str(pi.map((r) => r.resolution)),
    is_tax: str(pi.map((r) => String(r.isTax))),
    from_date: ts(pi.map((r) => r.fromDate)),
    to_date: ts(pi.map((r) => r.toDate)),
  });
  const pr = data.prices;
  const words = new Uint32Array(pr.length * 4);
  pr.forEach((p, i) => {
    words[i * 4] = p.priceMicro % 0x1_0000_0000;
    words[i * 4 + 1] = Math.floor(p.priceMicro / 0x1_0000_0000);
  });
  const price = arrow.makeData({ type: new arrow.Decimal(6, 18, 128), length: pr.length, data: words });
  await write('prices', { ...keyCols(pr), charge_price: price, charge_time: ts(pr.map((r) => r.chargeTime)) });
  const parts = linkPartitions(
    layout,
    data.links.map((r) => r.meteringPointId),
    data.links.map((r) => r.fromDate),
  );
  if (parts.size === 0) await mkdir(join(lakeDir, CHARGE_FILES.links), { recursive: true });
  for (const [folder, rows] of parts) {
    const li = rows.map((i) => data.links[i]);
    await write(
      'links',
      {
        ...keyCols(li),
        metering_point_id: str(li.map((r) => r.meteringPointId)),
        quantity: str(li.map((r) => String(r.quantity))),
        from_date: ts(li.map((r) => r.fromDate)),
        to_date: ts(li.map((r) => r.toDate)),
      },
      folder,
    );
  }
}

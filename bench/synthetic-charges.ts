/**
 * Seeded synthetic charge data (tariffs, subscriptions, fees) for a `SyntheticData` set
 * (bench/synthetic.ts), for the wholesale differential test and benchmark.
 *
 * Deterministic: a counter-based PRNG seeded from `seed` (no Math.random). The three tables of
 * docs/wholesale-calculation.md are produced as string rows in the documented column order
 * ('' = null), with writers for the scenario CSV folder and for the Parquet lake.
 *
 * What the data contains:
 * - owners: one grid operator per grid area (`5790001<ga>001`) and one tax owner
 *   (`5790000432752`) that also owns non-tax tariffs (so totals per owner exercise the tax rule);
 *   the grid operator also owns a tax daily tariff linked to one metering point of its area, so it
 *   is a tax owner for some suppliers of the area and not for others;
 * - hourly tariffs (PT1H) with hourly prices (time-of-day profile, some hours without a price,
 *   optionally negative prices on the production tariff), daily tariffs (P1D) with a price per local day
 *   (some days missing), a tax hourly tariff and a tax daily tariff;
 * - price information periods that start or stop inside the calculation period (at a local
 *   midnight and at a plain hour), and one charge that stops and restarts (a gap);
 * - subscriptions (P1M, every price point on a local day start: a price at the period start
 *   carried forward within the period, changed mid-period for some grid areas, a price point
 *   before the price information start that must not be used, one whose first price in the period
 *   is mid-period), links with factor changes; price points before the period that must not be used
 *   (only points inside the calculation period count);
 * - fees (one-day links, some on days before the period, one fee without any price, one whose
 *   price starts mid-period, one priced only before the period on some grid areas);
 * - links on consumption (E17), production (E18), grid-loss and system-correction metering
 *   points and on child metering points; a few on exchange (E20) metering points (to be ignored);
 *   links that start or stop inside the period (at local midnights, hours and quarter hours).
 * Every metering point of the data set gets about `linksPerMeteringPoint` links.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import { dictionaryColumn, tableOf, timestampColumn, writeParquetFile } from '../shared/basis-data/parquet/arrow-io';
import { linkPartitions, type LakeLayout } from '../shared/basis-data/parquet/lake-layout';
import { formatScaled } from '../shared/decimal/scaled';
import { isLocalMidnight, localMidnight, localParts } from '../shared/domain/local-time';
import { isoSeconds, PERIOD_COLUMNS, type SyntheticData } from './synthetic';
import { hashSeed, mulberry32 } from './synthetic';

export const CHARGE_PRICE_INFORMATION_COLUMNS = [
  'charge_code',
  'charge_type',
  'charge_owner_id',
  'resolution',
  'is_tax',
  'from_date',
  'to_date',
] as const;
export const CHARGE_PRICE_POINT_COLUMNS = [
  'charge_code',
  'charge_type',
  'charge_owner_id',
  'charge_price',
  'charge_time',
] as const;
export const CHARGE_LINK_COLUMNS = [
  'charge_code',
  'charge_type',
  'charge_owner_id',
  'metering_point_id',
  'quantity',
  'from_date',
  'to_date',
] as const;

/** Table (scenario file stem and lake folder) names. */
export const CHARGE_TABLES = {
  priceInformation: 'charge_price_information_periods',
  pricePoints: 'charge_price_points',
  links: 'charge_link_periods',
} as const;

export interface ChargeOptions {
  seed: number;
  /** About this many charge links per metering point (default 10). */
  linksPerMeteringPoint?: number;
  /** Share of hours without a price on the grid operators' hourly tariffs (default 0.02). */
  hourlyPriceMissingShare?: number;
  /** Share of local days without a price on daily tariffs (default 0.1). */
  dailyPriceMissingShare?: number;
  /** Share of links that start and/or stop inside the calculation period (default 0.08). */
  changeShare?: number;
  /** Probability that a consumption or child metering point gets a fee in the period (default 0.15). */
  feeShare?: number;
  /**
   * Share of hours with a negative price on the production tariff (default 0: the engine's input
   * validation rejects negative prices; the doc only says decimal(18,6)).
   */
  negativePriceShare?: number;
}

export interface SyntheticCharges {
  /** Rows in CHARGE_PRICE_INFORMATION_COLUMNS order. */
  priceInformationPeriods: string[][];
  /** Rows in CHARGE_PRICE_POINT_COLUMNS order. */
  pricePoints: string[][];
  /** Rows in CHARGE_LINK_COLUMNS order. */
  linkPeriods: string[][];
}

export const TAX_OWNER = '5790000432752';
export function gridOperatorOf(ga: string): string {
  return `5790001${ga}001`;
}

const Q_MS = 900_000;
const H_MS = 3_600_000;

/** Local midnight `n` local days after the local day containing `ms`. */
function localDayStart(ms: number, n = 0): number {
  const p = localParts(ms);
  return localMidnight(p.year, p.month, p.day + n);
}

type ChargeType = 'tariff' | 'subscription' | 'fee';

interface InfoPeriod {
  from: number;
  /** null = open-ended. */
  to: number | null;
}

interface ChargeDef {
  code: string;
  type: ChargeType;
  owner: string;
  resolution: 'PT1H' | 'P1D' | 'P1M';
  isTax: boolean;
  infos: InfoPeriod[];
}

interface MpInfo {
  id: string;
  type: string;
  ga: string;
  /** Earliest from_date and latest to_date (Infinity = open) of its periods. */
  from: number;
  to: number;
  gridLoss: boolean;
}

export function generateCharges(data: SyntheticData, o: ChargeOptions): SyntheticCharges {
  const rng = mulberry32(hashSeed(o.seed, 7));
  const rand = (n: number): number => Math.floor(rng() * n);
  const chance = (p: number): boolean => rng() < p;
  const L = Math.max(4, o.linksPerMeteringPoint ?? 10);
  const hourlyMissing = o.hourlyPriceMissingShare ?? 0.02;
  const dailyMissing = o.dailyPriceMissingShare ?? 0.1;
  const changeShare = o.changeShare ?? 0.08;
  const feeShare = o.feeShare ?? 0.15;
  const negativeShare = o.negativePriceShare ?? 0;

  const PS = data.args.periodStart;
  const PE = data.args.periodEnd;
  // Local-day starts of the calculation period (and its end).
  const days: number[] = [];
  for (let d = PS; d < PE; d = localDayStart(d, 1)) days.push(d);
  const nDays = days.length;
  const dayAt = (k: number): number => days[Math.max(0, Math.min(nDays - 1, k))];
  const insideDay = (): number => (nDays > 1 ? days[1 + rand(nDays - 1)] : PS);
  const midDay = dayAt(Math.floor(nDays / 2));
  const longAgo = localDayStart(PS, -400);
  // Prices are generated for the period plus two days of margin on both sides.
  const priceFrom = localDayStart(PS, -2);
  const priceTo = localDayStart(PE, 2);

  // ---- metering points (from the periods of the data set)
  const col = (c: (typeof PERIOD_COLUMNS)[number]): number => PERIOD_COLUMNS.indexOf(c);
  const [iId, iType, iGa, iFrom, iTo] = [
    col('metering_point_id'),
    col('type'),
    col('grid_area_code'),
    col('from_date'),
    col('to_date'),
  ];
  const gl = new Set(data.gridLossMeteringPointIds);
  const mps = new Map<string, MpInfo>();
  for (const r of data.periods) {
    const from = Date.parse(r[iFrom]);
    const to = r[iTo] === '' ? Infinity : Date.parse(r[iTo]);
    const m = mps.get(r[iId]);
    if (m) {
      m.from = Math.min(m.from, from);
      m.to = Math.max(m.to, to);
    } else mps.set(r[iId], { id: r[iId], type: r[iType], ga: r[iGa], from, to, gridLoss: gl.has(r[iId]) });
  }

  // ---- charge catalogue
  const charges: ChargeDef[] = [];
  const def = (
    code: string,
    type: ChargeType,
    owner: string,
    resolution: ChargeDef['resolution'],
    isTax: boolean,
    infos: InfoPeriod[] = [{ from: longAgo, to: null }],
  ): ChargeDef => {
    const c: ChargeDef = { code, type, owner, resolution, isTax, infos };
    charges.push(c);
    return c;
  };
  const points: string[][] = [];
  const price = (c: ChargeDef, micro: number, t: number): void => {
    // P1M charges are priced at local day starts only; anything else is invalid input (issue 18)
    if (c.resolution === 'P1M' && !isLocalMidnight(t))
      throw new Error(`synthetic ${c.code}: P1M price point at ${isoSeconds(t)} is not a local day start`);
    points.push([c.code, c.type, c.owner, formatScaled(micro, 6), isoSeconds(t)]);
  };
  const inInfo = (c: ChargeDef, t: number): boolean => c.infos.some((i) => t >= i.from && (i.to === null || t < i.to));
  const hourlyPrices = (
    c: ChargeDef,
    base: number,
    opts: { missing: number; negative?: number; profile?: boolean },
  ): void => {
    for (let t = priceFrom; t < priceTo; t += H_MS) {
      if (!inInfo(c, t) || chance(opts.missing)) continue;
      const h = localParts(t).hour;
      const peak = opts.profile && h >= 17 && h < 21 ? 3 : opts.profile && (h < 6 || h >= 23) ? 0.6 : 1;
      let micro = Math.round(base * peak * (0.9 + 0.2 * rng()));
      if (opts.negative !== undefined && chance(opts.negative)) micro = -micro;
      price(c, micro, t);
    }
  };
  const dailyPrices = (c: ChargeDef, base: number, missing: number): void => {
    for (let d = priceFrom; d < priceTo; d = localDayStart(d, 1)) {
      if (!inInfo(c, d) || chance(missing)) continue;
      price(c, Math.round(base * (0.8 + 0.4 * rng())), d);
    }
  };

  // Tax owner: a tax hourly tariff (price change mid-period), a tax daily tariff, two non-tax hourly tariffs.
  const elafgift = def('EA-001', 'tariff', TAX_OWNER, 'PT1H', true);
  for (let t = priceFrom; t < priceTo; t += H_MS) price(elafgift, t < midDay ? 697_000 : 723_456, t);
  const taxDaily = def('EA-DAY', 'tariff', TAX_OWNER, 'P1D', true);
  dailyPrices(taxDaily, 1_250_000, 0.15);
  const system = def('41000', 'tariff', TAX_OWNER, 'PT1H', false);
  hourlyPrices(system, 54_321, { missing: 0.01 });
  const transmission = def('40000', 'tariff', TAX_OWNER, 'PT1H', false);
  hourlyPrices(transmission, 49_137, { missing: 0 });

  interface GaCharges {
    nt: ChargeDef[];
    production: ChargeDef;
    child: ChargeDef;
    childStops: ChargeDef;
    daily: ChargeDef;
    operatorTax: ChargeDef;
    sub: ChargeDef;
    subChild: ChargeDef;
    subProduction: ChargeDef;
    fees: ChargeDef[];
    /** Round-robin over `fees`, so every kind of fee occurs. */
    nextFee: number;
  }
  const nNt = Math.max(2, L - 4);
  const perGa = new Map<string, GaCharges>();
  data.gridAreas.forEach((ga, g) => {
    const owner = gridOperatorOf(ga);
    const nt: ChargeDef[] = [];
    for (let k = 1; k <= nNt; k++) {
      // NT-1 stops for a day in the middle of the period (two price information periods with a gap).
      const infos: InfoPeriod[] =
        k === 1 && nDays >= 3
          ? [
              { from: longAgo, to: dayAt(1) },
              { from: dayAt(2), to: null },
            ]
          : [{ from: longAgo, to: null }];
      const c = def(`NT-${k}`, 'tariff', owner, 'PT1H', false, infos);
      hourlyPrices(c, 80_000 + rand(400_000), { missing: hourlyMissing, profile: true });
      nt.push(c);
    }
    const production = def('NT-P', 'tariff', owner, 'PT1H', false);
    hourlyPrices(production, 3_000 + rand(20_000), { missing: hourlyMissing, negative: negativeShare });
    // Child tariffs: one whose price information starts inside the period, one that stops at a plain hour inside it.
    const child = def('NT-CH', 'tariff', owner, 'PT1H', false, [
      { from: nDays > 1 ? dayAt(1) : PS + 5 * H_MS, to: null },
    ]);
    hourlyPrices(child, 20_000 + rand(100_000), { missing: hourlyMissing });
    const childStops = def('NT-CH2', 'tariff', owner, 'PT1H', false, [{ from: longAgo, to: midDay + 13 * H_MS }]);
    hourlyPrices(childStops, 10_000 + rand(50_000), { missing: hourlyMissing });
    const daily = def('DT-1', 'tariff', owner, 'P1D', false);
    dailyPrices(daily, 500_000 + rand(3_000_000), dailyMissing);
    // A tax daily tariff of the grid operator, linked to one consumption metering point of the area:
    // the operator is a tax owner for that point's supplier(s) only (the tax owner of a total is per
    // grid area and supplier), and gets the tax added to its totals for the other suppliers.
    const operatorTax = def('DT-TAX', 'tariff', owner, 'P1D', true);
    dailyPrices(operatorTax, 200_000 + rand(800_000), dailyMissing);
    // Subscription: a price before the period (not used), one at the period start carried forward,
    // a new price mid-period on even areas. All P1M price points lie on local day starts.
    const sub = def('SUB-1', 'subscription', owner, 'P1M', false);
    price(sub, 20_000_000 + rand(30_000_000), localDayStart(PS, -35));
    price(sub, 20_000_000 + rand(30_000_000), PS);
    if (g % 2 === 0 && midDay !== PS) price(sub, 20_000_000 + rand(30_000_000), midDay);
    // Child subscription: price information starts inside the period; the older price must not be used.
    const subChildFrom = nDays > 1 ? dayAt(1) : PS;
    const subChild = def('SUB-2', 'subscription', owner, 'P1M', false, [{ from: subChildFrom, to: null }]);
    price(subChild, 9_999_999, localDayStart(subChildFrom, -10));
    price(subChild, 5_000_000 + rand(10_000_000), subChildFrom);
    // Production subscription: a price the day before the period (not used), the first price of the
    // period in its middle (null before).
    const subProduction = def('SUB-P', 'subscription', owner, 'P1M', false);
    price(subProduction, 77_000_000, localDayStart(PS, -1));
    price(subProduction, 1_000_000 + rand(99_000_000) + 1, midDay);
    // FEE-1: on odd areas priced only long before the period (null in it), on even areas also at the period start.
    const fee1 = def('FEE-1', 'fee', owner, 'P1M', false);
    price(fee1, 100_000_000 + rand(900_000_000), localDayStart(PS, -100));
    if (g % 2 === 0) price(fee1, 100_000_000 + rand(900_000_000), PS);
    const fee2 = def('FEE-2', 'fee', owner, 'P1M', false); // no price at all
    const fee3 = def('FEE-3', 'fee', owner, 'P1M', false);
    price(fee3, 250_000_000 + rand(100_000), midDay);
    perGa.set(ga, {
      nt,
      production,
      child,
      childStops,
      daily,
      operatorTax,
      sub,
      subChild,
      subProduction,
      fees: [fee1, fee2, fee3],
      nextFee: g % 3,
    });
  });

  // ---- links
  const links: string[][] = [];
  const link = (c: ChargeDef, mp: MpInfo, factor: number, from: number, to: number | null): void => {
    links.push([c.code, c.type, c.owner, mp.id, String(factor), isoSeconds(from), to === null ? '' : isoSeconds(to)]);
  };
  /** A random instant inside the period: mostly a local midnight, for tariffs also an hour or a quarter. */
  const insideInstant = (tariff: boolean): number => {
    const v = rng();
    if (!tariff || v < 0.6 || nDays < 1) return insideDay();
    const hours = Math.floor((PE - PS) / H_MS);
    const t = PS + (1 + rand(Math.max(1, hours - 1))) * H_MS;
    return v < 0.95 ? t : t + Q_MS * (1 + rand(3));
  };
  /** A link over the metering point's life, sometimes starting and/or stopping inside the period. */
  const standardLink = (c: ChargeDef, mp: MpInfo, factor = 1): void => {
    const tariff = c.type === 'tariff';
    let from = Math.max(mp.from, longAgo);
    let to: number | null = mp.to === Infinity ? null : mp.to;
    if (chance(changeShare)) {
      const v = rng();
      const a = insideInstant(tariff);
      if (v < 0.4) from = a;
      else if (v < 0.8) to = a;
      else {
        const b = insideInstant(tariff);
        if (a === b) to = a;
        else [from, to] = a < b ? [a, b] : [b, a];
      }
    }
    if (to !== null && to <= from) return;
    if (c.type === 'subscription' && chance(0.12) && nDays > 1) {
      // Factor change at a local midnight inside the link.
      const cut = insideDay();
      if (cut > from && (to === null || cut < to)) {
        link(c, mp, factor, from, cut);
        link(c, mp, factor + 1 + rand(2), cut, to);
        return;
      }
    }
    link(c, mp, factor, from, to);
  };
  const feeLinks = (ga: GaCharges, mp: MpInfo): void => {
    const n = chance(0.25) ? 2 : 1;
    const used = new Set<string>();
    for (let k = 0; k < n; k++) {
      const fee = ga.fees[ga.nextFee++ % ga.fees.length];
      // Mostly a day inside the period; sometimes the day before it (outside: ignored).
      const d = chance(0.9) ? days[rand(nDays)] : localDayStart(PS, -1);
      const key = `${fee.code}|${d}`;
      if (used.has(key)) continue;
      used.add(key);
      link(fee, mp, 1 + (chance(0.2) ? 1 : 0), d, localDayStart(d, 1));
    }
  };

  const CHILD_WITH_TAX = new Set(['D14', 'D07']);
  const operatorTaxLinked = new Set<string>();
  for (const mp of mps.values()) {
    const ga = perGa.get(mp.ga);
    if (!ga) continue;
    if (mp.type === 'E17' && !mp.gridLoss && !operatorTaxLinked.has(mp.ga)) {
      operatorTaxLinked.add(mp.ga);
      link(ga.operatorTax, mp, 1, Math.max(mp.from, longAgo), mp.to === Infinity ? null : mp.to);
    }
    if (mp.type === 'E17') {
      standardLink(elafgift, mp);
      standardLink(system, mp);
      standardLink(ga.daily, mp);
      standardLink(ga.sub, mp, 1);
      for (const c of ga.nt) standardLink(c, mp);
      if (chance(0.5)) standardLink(taxDaily, mp);
      if (!mp.gridLoss && chance(feeShare)) feeLinks(ga, mp);
    } else if (mp.type === 'E18') {
      standardLink(transmission, mp);
      standardLink(ga.production, mp);
      standardLink(ga.subProduction, mp, 1 + (chance(0.1) ? 1 : 0));
      for (const c of ga.nt.slice(0, Math.max(1, nNt - 1))) standardLink(c, mp);
    } else if (mp.type === 'E20') {
      if (chance(0.1)) standardLink(transmission, mp); // exchange metering points are not part of wholesale
    } else {
      standardLink(ga.child, mp);
      standardLink(ga.childStops, mp);
      standardLink(ga.subChild, mp, 1 + (chance(0.3) ? 1 : 0));
      if (CHILD_WITH_TAX.has(mp.type)) standardLink(elafgift, mp);
      if (chance(feeShare)) feeLinks(ga, mp);
    }
  }

  const priceInformationPeriods: string[][] = [];
  for (const c of charges) {
    for (const i of c.infos) {
      priceInformationPeriods.push([
        c.code,
        c.type,
        c.owner,
        c.resolution,
        String(c.isTax),
        isoSeconds(i.from),
        i.to === null ? '' : isoSeconds(i.to),
      ]);
    }
  }
  return { priceInformationPeriods, pricePoints: points, linkPeriods: links };
}

// ---------------------------------------------------------------- writers

function csvText(columns: readonly string[], rows: readonly string[][]): string {
  return [columns.join(';'), ...rows.map((r) => r.join(';'))].join('\n') + '\n';
}

/** Writes `DIR/when/charge_*.csv` (the scenario layout). */
export function writeChargesCsv(dir: string, charges: SyntheticCharges): void {
  const when = path.join(dir, 'when');
  fs.mkdirSync(when, { recursive: true });
  fs.writeFileSync(
    path.join(when, `${CHARGE_TABLES.priceInformation}.csv`),
    csvText(CHARGE_PRICE_INFORMATION_COLUMNS, charges.priceInformationPeriods),
  );
  fs.writeFileSync(
    path.join(when, `${CHARGE_TABLES.pricePoints}.csv`),
    csvText(CHARGE_PRICE_POINT_COLUMNS, charges.pricePoints),
  );
  fs.writeFileSync(path.join(when, `${CHARGE_TABLES.links}.csv`), csvText(CHARGE_LINK_COLUMNS, charges.linkPeriods));
}

/** Decimal128(18, scale) column from decimal strings with at most `scale` decimals ('' = null). */
export function decimalColumn(values: readonly string[], scale: number): arrow.Data<arrow.Decimal> {
  const n = values.length;
  const words = new Uint32Array(n * 4);
  let nullBitmap: Uint8Array | undefined;
  let nullCount = 0;
  const mask = (1n << 32n) - 1n;
  for (let i = 0; i < n; i++) {
    const s = values[i].trim();
    if (s === '') {
      nullBitmap ??= new Uint8Array((n + 7) >> 3).fill(0xff);
      nullBitmap[i >> 3] &= ~(1 << (i & 7));
      nullCount++;
      continue;
    }
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
    if (!m || (m[2] === '' && (m[3] ?? '') === '') || (m[3] ?? '').length > scale)
      throw new RangeError(`'${s}' is not a decimal with at most ${scale} decimals`);
    let v = BigInt((m[2] || '0') + (m[3] ?? '').padEnd(scale, '0'));
    if (m[1] === '-') v = -v;
    const u = BigInt.asUintN(128, v);
    for (let k = 0; k < 4; k++) words[i * 4 + k] = Number((u >> BigInt(32 * k)) & mask);
  }
  return arrow.makeData({ type: new arrow.Decimal(scale, 18, 128), length: n, data: words, nullBitmap, nullCount });
}

function boolColumn(values: readonly boolean[]): arrow.Data<arrow.Bool> {
  const n = values.length;
  const bits = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (values[i]) bits[i >> 3] |= 1 << (i & 7);
  return arrow.makeData({ type: new arrow.Bool(), length: n, data: bits });
}

function int32Column(values: readonly number[]): arrow.Data<arrow.Int32> {
  return arrow.makeData({ type: new arrow.Int32(), length: values.length, data: Int32Array.from(values) });
}

const tsCol = (rows: readonly string[][], i: number): arrow.Data<arrow.TimestampMicrosecond> =>
  timestampColumn(Float64Array.from(rows, (r) => (r[i] === '' ? NaN : Date.parse(r[i]))));
/** Dictionary<Int32, Utf8> column ('' = null): the charge tables repeat few distinct strings, and building it is fast. */
function strCol(rows: readonly string[][], i: number): arrow.Data<arrow.Dictionary<arrow.Utf8, arrow.Int32>> {
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(rows.length);
  rows.forEach((r, k) => {
    const v = r[i];
    if (v === '') {
      codes[k] = -1;
      return;
    }
    let c = index.get(v);
    if (c === undefined) {
      c = dictionary.length;
      dictionary.push(v);
      index.set(v, c);
    }
    codes[k] = c;
  });
  return dictionaryColumn(codes, dictionary);
}

/**
 * Writes the charge tables into a Parquet lake, one folder per table (`LAKE/<table>/part-0.parquet`):
 * strings as Dictionary<Int32, Utf8> (plain strings to Parquet readers), is_tax as Boolean, prices as DECIMAL(18,6), link factors as Int32, times as UTC µs.
 */
export async function writeChargesLake(lakeDir: string, charges: SyntheticCharges, layout: LakeLayout): Promise<void> {
  const write = async (table: string, cols: Record<string, arrow.Data>, folder = ''): Promise<void> => {
    const dir = path.join(lakeDir, table, folder);
    fs.mkdirSync(dir, { recursive: true });
    await writeParquetFile(path.join(dir, 'part-0.parquet'), tableOf(cols));
  };
  for (const t of Object.values(CHARGE_TABLES)) fs.rmSync(path.join(lakeDir, t), { recursive: true, force: true });
  const pi = charges.priceInformationPeriods;
  await write(CHARGE_TABLES.priceInformation, {
    charge_code: strCol(pi, 0),
    charge_type: strCol(pi, 1),
    charge_owner_id: strCol(pi, 2),
    resolution: strCol(pi, 3),
    is_tax: boolColumn(pi.map((r) => r[4] === 'true')),
    from_date: tsCol(pi, 5),
    to_date: tsCol(pi, 6),
  });
  const pp = charges.pricePoints;
  await write(CHARGE_TABLES.pricePoints, {
    charge_code: strCol(pp, 0),
    charge_type: strCol(pp, 1),
    charge_owner_id: strCol(pp, 2),
    charge_price: decimalColumn(
      pp.map((r) => r[3]),
      6,
    ),
    charge_time: tsCol(pp, 4),
  });
  // links by the linked metering point's grid area (shared/basis-data/parquet/lake-layout.ts)
  const all = charges.linkPeriods;
  const parts = linkPartitions(
    layout,
    all.map((r) => r[3]),
    all.map((r) => Date.parse(r[5])),
  );
  for (const [folder, rows] of parts) {
    const lp = rows.map((i) => all[i]);
    await write(
      CHARGE_TABLES.links,
      {
        charge_code: strCol(lp, 0),
        charge_type: strCol(lp, 1),
        charge_owner_id: strCol(lp, 2),
        metering_point_id: strCol(lp, 3),
        quantity: int32Column(lp.map((r) => Number(r[4]))),
        from_date: tsCol(lp, 5),
        to_date: tsCol(lp, 6),
      },
      folder,
    );
  }
}

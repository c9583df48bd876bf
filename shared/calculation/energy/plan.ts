import { RESOLUTION_MS } from '../../domain/codes';
import { CalculationError } from '../../basis-data/errors';
import type { KernelPlan } from './kernels';
import { DAY_MS, HOUR_MS, QUARTER_MS } from '../../domain/time';
import type { CalculationArguments, MeteringPointPeriod } from '../../basis-data/types';

/** What a selected period's readings are summed into. */
export const KIND_NON_PROFILED = 0;
export const KIND_FLEX = 1;
export const KIND_PRODUCTION = 2;
export const KIND_EXCHANGE = 3;

/** A per-(ga, brp, es) group of one kind, or an exchange (to, from) group. */
export interface GroupKey {
  kind: number;
  gridArea: string;
  brp: string | null;
  es: string | null;
  toGridArea: string | null;
  fromGridArea: string | null;
}

export interface GridLossResponsibility {
  meteringPointId: string;
  es: string | null;
  brp: string | null;
  from: number;
  to: number;
}

/**
 * The calculation laid out for the kernels: selected periods as parallel typed arrays, one
 * dense "cell" per (day, selected period, native slot) and one accumulator row per group. Built
 * from master data only (thousands of rows), before any time series point is read.
 */
export interface EnergyPlan {
  args: CalculationArguments;
  quarterly: boolean;
  slotMs: number;
  nSlots: number;
  /** metering point id → dictionary index (ids of all master data, also unselected ones). */
  dictionary: Map<string, number>;
  groups: GroupKey[];
  /** Per calculation grid area: who carries positive (E17) and negative (E18) grid loss, sorted by time. */
  gridLossResponsible: Map<string, { positive: GridLossResponsibility[]; negative: GridLossResponsibility[] }>;
  /** Selected periods and the cell layout as typed arrays: all the hot kernels (and workers) need. */
  kernel: KernelPlan;
}

export function buildPlan(
  args: CalculationArguments,
  periods: readonly MeteringPointPeriod[],
  gridLossIds: readonly string[],
): EnergyPlan {
  const { periodStart: start, periodEnd: end } = args;
  const quarterly = end > args.quarterlyTransition;
  const slotMs = quarterly ? QUARTER_MS : HOUR_MS;
  const calcAreas = new Set(args.gridAreas);
  const gridLoss = new Set(gridLossIds);

  const dictionary = new Map<string, number>();
  for (const p of periods) if (!dictionary.has(p.meteringPointId)) dictionary.set(p.meteringPointId, dictionary.size);

  // 1. select, clamp, keep parents only, drop grid-loss MPs' measured data (§2.2).
  const selected: { p: MeteringPointPeriod; from: number; to: number; mp: number }[] = [];
  for (const p of periods) {
    if (p.type !== 'E17' && p.type !== 'E18' && p.type !== 'E20') continue;
    if (gridLoss.has(p.meteringPointId)) continue;
    // consumption without settlement method (e.g. profiled) is not part of any energy result
    if (p.type === 'E17' && p.settlementMethod === null) continue;
    const touches =
      calcAreas.has(p.gridAreaCode) ||
      (p.type === 'E20' &&
        ((p.fromGridAreaCode !== null && calcAreas.has(p.fromGridAreaCode)) ||
          (p.toGridAreaCode !== null && calcAreas.has(p.toGridAreaCode))));
    if (!touches) continue;
    if (!(p.fromDate < end && (p.toDate === null || p.toDate > start))) continue;
    const from = Math.max(p.fromDate, start);
    const to = Math.min(p.toDate ?? end, end);
    selected.push({ p, from, to, mp: dictionary.get(p.meteringPointId) as number });
  }
  selected.sort((a, b) => a.mp - b.mp || a.from - b.from);

  const groups: GroupKey[] = [];
  const groupIndex = new Map<string, number>();
  const slots = selected.map(({ p, from, to, mp }) => {
    const key: GroupKey =
      p.type === 'E20'
        ? {
            kind: KIND_EXCHANGE,
            gridArea: p.toGridAreaCode as string,
            brp: null,
            es: null,
            toGridArea: p.toGridAreaCode,
            fromGridArea: p.fromGridAreaCode,
          }
        : {
            kind: p.type === 'E18' ? KIND_PRODUCTION : p.settlementMethod === 'D01' ? KIND_FLEX : KIND_NON_PROFILED,
            gridArea: p.gridAreaCode,
            brp: p.balanceResponsiblePartyId,
            es: p.energySupplierId,
            toGridArea: null,
            fromGridArea: null,
          };
    const k = `${key.kind}|${key.gridArea}|${key.brp ?? ''}|${key.es ?? ''}|${key.toGridArea ?? ''}|${key.fromGridArea ?? ''}`;
    let g = groupIndex.get(k);
    if (g === undefined) {
      g = groups.length;
      groups.push(key);
      groupIndex.set(k, g);
    }
    return { mp, from, to, step: RESOLUTION_MS[p.resolution], group: g };
  });
  const kernel = kernelLayout(args, slots, dictionary.size, groups.length, slotMs, quarterly, false);

  return {
    args,
    quarterly,
    slotMs,
    nSlots: kernel.nSlots,
    dictionary,
    groups,
    gridLossResponsible: gridLossResponsibility(args, periods, gridLoss),
    kernel,
  };
}

/** A selected period for the kernels: dictionary index of its MP, clamped range, native step, accumulator group. */
export interface SelectedPeriod {
  mp: number;
  from: number;
  to: number;
  step: number;
  group: number;
}

/**
 * Typed-array layout of selected periods (sorted by MP, then time, so an MP's periods are
 * consecutive) with day-major cells: one day's points (one lake partition) land in one
 * contiguous region, so scattering a partition streams through memory and days can be summed
 * independently.
 */
export function kernelLayout(
  args: CalculationArguments,
  selected: SelectedPeriod[],
  nMp: number,
  nGroups: number,
  slotMs: number,
  quarterly: boolean,
  unionHourQualities: boolean,
): KernelPlan {
  const start = args.periodStart;
  const end = args.periodEnd;
  const sorted = [...selected].sort((a, b) => a.mp - b.mp || a.from - b.from);
  const n = sorted.length;
  const mpFirstPeriod = new Int32Array(nMp).fill(-1);
  const mpPeriodCount = new Int32Array(nMp);
  const pFrom = new Float64Array(n);
  const pTo = new Float64Array(n);
  const pStep = new Float64Array(n);
  const pGroup = new Int32Array(n);
  sorted.forEach((x, i) => {
    if (mpFirstPeriod[x.mp] < 0) mpFirstPeriod[x.mp] = i;
    mpPeriodCount[x.mp]++;
    pFrom[i] = x.from;
    pTo[i] = x.to;
    pStep[i] = x.step;
    pGroup[i] = x.group;
  });
  const dayStart0 = start - (start % DAY_MS);
  const nDays = Math.ceil((end - dayStart0) / DAY_MS);
  const dpCellStart = new Float64Array(nDays * n).fill(-1);
  let cells = 0;
  for (let d = 0; d < nDays; d++) {
    const ds = dayStart0 + d * DAY_MS;
    for (let i = 0; i < n; i++) {
      const from = Math.max(pFrom[i], ds);
      const to = Math.min(pTo[i], ds + DAY_MS);
      if (from >= to) continue;
      dpCellStart[d * n + i] = cells;
      cells += (to - from) / pStep[i];
    }
  }
  return {
    periodStart: start,
    asOf: args.asOf,
    quarterly,
    unionHourQualities,
    slotMs,
    nSlots: (end - start) / slotMs,
    mpFirstPeriod,
    mpPeriodCount,
    nPeriods: n,
    pFrom,
    pTo,
    pStep,
    pGroup,
    dayStart0,
    nDays,
    dpCellStart,
    nCells: cells,
    nGroups,
  };
}

/**
 * Every calculation grid area needs an E17 (positive loss) and an E18 (negative loss, "system
 * correction") grid-loss metering point whose periods cover the whole calculation period
 * (opengeh-wholesale §2.2 step 5; green-energy-hub #435).
 */
function gridLossResponsibility(
  args: CalculationArguments,
  periods: readonly MeteringPointPeriod[],
  gridLoss: ReadonlySet<string>,
) {
  const out = new Map<string, { positive: GridLossResponsibility[]; negative: GridLossResponsibility[] }>();
  for (const ga of args.gridAreas) {
    const pick = (type: 'E17' | 'E18'): GridLossResponsibility[] => {
      const list = periods
        .filter((p) => p.type === type && p.gridAreaCode === ga && gridLoss.has(p.meteringPointId))
        .filter((p) => p.fromDate < args.periodEnd && (p.toDate === null || p.toDate > args.periodStart))
        .map((p) => ({
          meteringPointId: p.meteringPointId,
          es: p.energySupplierId,
          brp: p.balanceResponsiblePartyId,
          from: Math.max(p.fromDate, args.periodStart),
          to: Math.min(p.toDate ?? args.periodEnd, args.periodEnd),
        }))
        .sort((a, b) => a.from - b.from);
      const what = type === 'E17' ? 'positive grid loss (E17 grid-loss)' : 'negative grid loss (E18 system-correction)';
      let covered = args.periodStart;
      for (const r of list) {
        if (r.from > covered) break;
        if (r.from < covered) {
          throw new CalculationError(
            `grid area ${ga}: more than one ${what} metering point at ${new Date(r.from).toISOString()} (${r.meteringPointId})`,
            ga,
          );
        }
        covered = r.to;
      }
      if (covered < args.periodEnd) {
        throw new CalculationError(
          `grid area ${ga}: missing ${what} metering point for the calculation period` +
            (list.length ? ` from ${new Date(covered).toISOString()}` : '') +
            ' — every grid area needs grid-loss metering points covering the whole period',
          ga,
        );
      }
      return list;
    };
    out.set(ga, { positive: pick('E17'), negative: pick('E18') });
  }
  return out;
}

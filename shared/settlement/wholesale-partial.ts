/**
 * What a wholesale batch (one grid area × one time slice) hands to the commit's reduce: the exact
 * partial sums of the monthly amounts per (charge key, grid area, supplier) over its slice.
 * Amounts are integer micro-DKK written as decimal strings, so sums beyond 2^53 (BigInt) survive
 * JSON exactly. The calculation's identity and period travel with it, so the reduce needs nothing
 * else and can check every slice belongs to the same calculation.
 */
import { z } from 'zod';
import { CALCULATION_TYPES, type CalculationType } from '../domain/codes';
import type { MonthlyAmount } from '../calculation/wholesale/monthly';
import { InvalidWholesalePartialError } from './errors';

export interface WholesalePartial {
  calculationId: string;
  calculationType: CalculationType;
  /** The calculation (job) period, ISO. */
  periodStart: string;
  periodEnd: string;
  gridArea: string;
  /** The batch's time slice, ISO. */
  sliceStart: string;
  sliceEnd: string;
  monthly: MonthlyAmount[];
}

const INTEGER = /^-?\d+$/;

const partialSchema = z
  .object({
    calculationId: z.string().min(1),
    calculationType: z.enum(CALCULATION_TYPES),
    periodStart: z.string().datetime(),
    periodEnd: z.string().datetime(),
    gridArea: z.string().min(1),
    sliceStart: z.string().datetime(),
    sliceEnd: z.string().datetime(),
    monthly: z.array(
      z
        .object({
          gridArea: z.string().min(1),
          es: z.string(),
          owner: z.string(),
          code: z.string(),
          type: z.string(),
          isTax: z.boolean(),
          unit: z.enum(['kWh', 'pcs']),
          amountMicro: z.string().regex(INTEGER, 'must be an integer (micro-DKK)').nullable(),
        })
        .strict(),
    ),
  })
  .strict();

/** Canonical JSON of a partial (same partial → same bytes). */
export function wholesalePartialJson(p: WholesalePartial): string {
  return JSON.stringify({
    calculationId: p.calculationId,
    calculationType: p.calculationType,
    periodStart: p.periodStart,
    periodEnd: p.periodEnd,
    gridArea: p.gridArea,
    sliceStart: p.sliceStart,
    sliceEnd: p.sliceEnd,
    monthly: p.monthly.map((m) => ({
      gridArea: m.gridArea,
      es: m.es,
      owner: m.owner,
      code: m.code,
      type: m.type,
      isTax: m.isTax,
      unit: m.unit,
      amountMicro: m.amount === null ? null : m.amount.toString(),
    })),
  });
}

/** Parses a partial written by wholesalePartialJson; amounts come back as exact numbers or BigInts. */
export function parseWholesalePartial(path: string, bytes: Buffer | string): WholesalePartial {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (e) {
    throw new InvalidWholesalePartialError(path, `not valid JSON: ${(e as Error).message}`);
  }
  const r = partialSchema.safeParse(raw);
  if (!r.success)
    throw new InvalidWholesalePartialError(
      path,
      r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    );
  const v = r.data;
  return {
    ...v,
    monthly: v.monthly.map(({ amountMicro, ...m }) => {
      if (amountMicro === null) return { ...m, amount: null };
      const big = BigInt(amountMicro);
      const n = Number(big);
      return { ...m, amount: Number.isSafeInteger(n) ? n : big };
    }),
  };
}

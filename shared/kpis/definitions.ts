/**
 * KPI definitions are data (kpi-definitions.json, validated here): named market inputs, KPIs with
 * a unit and a formula, and reports (a named list of KPIs served by GET /api/kpis/{report}). A new
 * KPI or report is a new entry, not a new endpoint. Formulas, all evaluated exactly (engine.ts):
 *
 * - `{ "sum": "energy" }` — Σ energy (kWh) over the bucket;
 * - `{ "sum": "energy", "times": INPUT }` — Σ over quarter-hours of energy × the input's value
 *   for that quarter (its time-weighted mean over the quarter: an hourly price applies to each of
 *   its quarters, 5-minute values are averaged);
 * - `{ "ratio": [KPI, KPI] }` — one KPI over another (defined earlier in the list);
 * - `multiply` / `divide` (positive integers) scale any of them (kWh × EUR/MWh / 1000 = EUR).
 */
import { z } from 'zod';
import type { MarketDataKind } from '../market-data/market-series';
import defaultDefinitions from './kpi-definitions.json';

const NAME = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _');
const scale = {
  multiply: z.number().int().positive().max(1e12).default(1),
  divide: z.number().int().positive().max(1e12).default(1),
};

const formulaSchema = z.union([
  z.object({ sum: z.literal('energy'), times: NAME.optional(), ...scale }).strict(),
  z.object({ ratio: z.tuple([NAME, NAME]), ...scale }).strict(),
]);

const KINDS: readonly MarketDataKind[] = ['day_ahead_price', 'co2_intensity'];

export const kpiDefinitionsSchema = z
  .object({
    inputs: z.record(
      NAME,
      z
        .object({ kind: z.enum(KINDS as [MarketDataKind, ...MarketDataKind[]]), unit: z.string().min(1).max(32) })
        .strict(),
    ),
    kpis: z.array(
      z
        .object({
          name: NAME,
          unit: z.string().min(1).max(32),
          description: z.string().max(500).optional(),
          formula: formulaSchema,
        })
        .strict(),
    ),
    reports: z.record(z.string().regex(/^[a-z][a-z0-9-]{0,63}$/), z.array(NAME).min(1)),
  })
  .strict()
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.kpis.forEach((k, i) => {
      if (seen.has(k.name)) ctx.addIssue({ code: 'custom', path: ['kpis', i, 'name'], message: `${k.name} twice` });
      const f = k.formula;
      if ('times' in f && f.times !== undefined && !(f.times in d.inputs))
        ctx.addIssue({ code: 'custom', path: ['kpis', i, 'formula', 'times'], message: `no input ${f.times}` });
      if ('ratio' in f)
        for (const r of f.ratio)
          if (!seen.has(r))
            ctx.addIssue({
              code: 'custom',
              path: ['kpis', i, 'formula', 'ratio'],
              message: `${r} is not defined before ${k.name}`,
            });
      seen.add(k.name);
    });
    for (const [report, names] of Object.entries(d.reports))
      for (const n of names)
        if (!seen.has(n)) ctx.addIssue({ code: 'custom', path: ['reports', report], message: `no KPI ${n}` });
  });

export type KpiDefinitions = z.infer<typeof kpiDefinitionsSchema>;
export type KpiDefinition = KpiDefinitions['kpis'][number];

/** Validated definitions; throws with the zod issues when the data is wrong. */
export function parseKpiDefinitions(data: unknown): KpiDefinitions {
  return kpiDefinitionsSchema.parse(data);
}

/** The definitions shipped with the app (kpi-definitions.json). */
export const DEFAULT_KPI_DEFINITIONS: KpiDefinitions = parseKpiDefinitions(defaultDefinitions);

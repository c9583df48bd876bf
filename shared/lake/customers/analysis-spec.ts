/**
 * The saved-analysis spec of a customer area (issue 15, Case 3/4): a declarative, validated
 * description — inputs, join, filter, group, aggregate, select — and nothing executable. Inputs
 * are the customer's own uploads (by name) or served datasets (by name, looked up in the served
 * registry), never a path: names are lake names (no `/`, no `..`), and an input naming another
 * customer is refused (403 naming the field).
 *
 * Columns are referenced as `alias.column`, or as `column` alone when exactly one input has it.
 */
import { z } from 'zod';
import { CUSTOMER_ID_RE, LAKE_NAME_RE, checkDay, daysBetween } from '../zones';
import type { ServedDataset } from '../serving/served-datasets';

export const MAX_ANALYSIS_RANGE_DAYS = 366;
const isDay = (d: string) => {
  try {
    checkDay(d);
    return true;
  } catch {
    return false;
  }
};
const lakeName = z.string().max(64).regex(LAKE_NAME_RE, `must be a lake name (${LAKE_NAME_RE.source}), not a path`);
const alias = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'must be a short lower-case name ([a-z][a-z0-9_]*)');
/** `alias.column` or `column`; column names may hold dots (flattened JSON sources) but no `/`. */
const column = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'must be a column name (letters, digits, _ . -)');
const outName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a lower-case output column name');

export const AGGREGATE_FNS = ['sum', 'avg', 'min', 'max', 'count'] as const;
export const FILTER_OPS = ['=', '!=', '<', '<=', '>', '>='] as const;

const input = z
  .object({
    as: alias,
    upload: lakeName.optional().meta({ description: "One of the area's own uploads" }),
    customer: z
      .string()
      .max(64)
      .optional()
      .meta({ description: "Only the area's own customer id is accepted (another → 403)" }),
    dataset: lakeName.optional().meta({ description: 'A served dataset (GET /api/datasets/{name})' }),
    from: z.string().refine(isDay, 'must be a calendar day YYYY-MM-DD').optional(),
    to: z.string().refine(isDay, 'must be a calendar day YYYY-MM-DD').optional(),
    region: lakeName.optional(),
  })
  .strict()
  .superRefine((i, ctx) => {
    if ((i.upload === undefined) === (i.dataset === undefined))
      ctx.addIssue({ code: 'custom', path: ['upload'], message: 'give exactly one of upload or dataset' });
    if (i.dataset !== undefined && i.from === undefined)
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'a dataset input needs from (and optionally to)' });
    if (i.upload !== undefined)
      for (const k of ['from', 'to', 'region'] as const)
        if (i[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'only for dataset inputs' });
    if (i.from !== undefined && i.to !== undefined && isDay(i.from) && isDay(i.to)) {
      const days = daysBetween(i.from, i.to);
      if (days < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
      else if (days >= MAX_ANALYSIS_RANGE_DAYS)
        ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_ANALYSIS_RANGE_DAYS} days` });
    }
  });

export const analysisSpecSchema = z
  .object({
    inputs: z.array(input).min(1).max(2).meta({ description: 'One input, or two joined by `join`' }),
    join: z
      .object({
        type: z.enum(['inner', 'left']).default('inner'),
        on: z
          .array(z.object({ left: column, right: column }).strict())
          .min(1)
          .max(8)
          .meta({ description: 'Equal columns: left of inputs[0], right of inputs[1]' }),
      })
      .strict()
      .optional(),
    filter: z
      .array(
        z
          .object({
            column,
            op: z.enum(FILTER_OPS),
            value: z.union([z.string().max(200), z.number(), z.boolean(), z.null()]),
          })
          .strict(),
      )
      .max(20)
      .default([])
      .meta({ description: 'Conditions, all must hold (after the join); numbers compare exactly as decimals' }),
    groupBy: z.array(column).max(8).default([]),
    aggregates: z
      .array(z.object({ fn: z.enum(AGGREGATE_FNS), column: column.optional(), as: outName }).strict())
      .max(20)
      .default([]),
    select: z.array(column).min(1).max(64).optional().meta({
      description: 'Output columns (without aggregates: input columns; with: groupBy columns and aggregate names)',
    }),
  })
  .strict()
  .superRefine((s, ctx) => {
    const aliases = s.inputs.map((i) => i.as);
    aliases.forEach((a, i) => {
      if (aliases.indexOf(a) !== i)
        ctx.addIssue({ code: 'custom', path: ['inputs', i, 'as'], message: `repeated alias ${a}` });
    });
    if (s.inputs.length === 2 && !s.join)
      ctx.addIssue({ code: 'custom', path: ['join'], message: 'two inputs need a join' });
    if (s.inputs.length === 1 && s.join)
      ctx.addIssue({ code: 'custom', path: ['join'], message: 'a join needs two inputs' });
    s.aggregates.forEach((a, i) => {
      if (a.fn !== 'count' && a.column === undefined)
        ctx.addIssue({ code: 'custom', path: ['aggregates', i, 'column'], message: `${a.fn} needs a column` });
    });
    const outs = s.aggregates.map((a) => a.as);
    outs.forEach((o, i) => {
      if (outs.indexOf(o) !== i)
        ctx.addIssue({ code: 'custom', path: ['aggregates', i, 'as'], message: `repeated output name ${o}` });
    });
    if (s.aggregates.length === 0 && s.groupBy.length > 0)
      ctx.addIssue({ code: 'custom', path: ['aggregates'], message: 'groupBy needs at least one aggregate' });
  });

export type AnalysisSpec = z.output<typeof analysisSpecSchema>;
export type AnalysisInput = AnalysisSpec['inputs'][number];

export interface SpecIssue {
  status: 400 | 403;
  path: string;
  message: string;
}

/**
 * What the schema cannot know: an input naming another customer (403), a dataset that is not
 * served, an upload the area does not have (400).
 */
export function checkSpecInputs(
  spec: AnalysisSpec,
  customerId: string,
  served: readonly ServedDataset[],
  uploads: ReadonlySet<string>,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  spec.inputs.forEach((i, n) => {
    if (i.customer !== undefined && i.customer !== customerId)
      issues.push({
        status: 403,
        path: `inputs.${n}.customer`,
        message: CUSTOMER_ID_RE.test(i.customer)
          ? "another customer's area cannot be read"
          : "must be the area's own customer id",
      });
    if (i.dataset !== undefined && !served.some((d) => d.name === i.dataset))
      issues.push({
        status: 400,
        path: `inputs.${n}.dataset`,
        message: `not a served dataset (one of: ${served.map((d) => d.name).join(', ')})`,
      });
    if (i.dataset !== undefined && i.region !== undefined && !served.find((d) => d.name === i.dataset)?.regionColumn)
      issues.push({ status: 400, path: `inputs.${n}.region`, message: 'the dataset has no region column' });
    if (i.upload !== undefined && !uploads.has(i.upload))
      issues.push({ status: 400, path: `inputs.${n}.upload`, message: `no upload ${i.upload} in this area` });
  });
  return issues;
}

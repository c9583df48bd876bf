/**
 * Runs a saved analysis (issue 15, Case 3/4) over columns: the inputs are decoded into columns of
 * cells (the customer's uploads from its own area, served datasets through the serving reader),
 * joined with a hash join, filtered, grouped and aggregated column by column, and the result is
 * written as Parquet into the area's `results` partition (replaced atomically).
 *
 * Exact arithmetic: numbers are decimal text (or integers) and are computed as scaled BigInts —
 * `sum` keeps the largest scale of its values, `avg` is Σ / count rounded HALF_UP (ties away
 * from zero) to 6 decimals, `min`/`max` compare as decimals when both values are numbers and as
 * text otherwise (ISO dates order as text), `count` counts non-null values (rows without a
 * column). `=` / `!=` and joins match numbers by value (`5.50` = `5.5`), other values as text.
 * The output columns are text (exact decimals), `count` Int32.
 */
import * as arrow from 'apache-arrow';
import { parquetBytes, stringColumn, tableOf } from '../../basis-data/parquet/arrow-io';
import type { PartitionStore } from '../partition-store';
import { readDatasetColumns, type DatasetQuery } from '../serving/dataset-read';
import type { ServedDataset } from '../serving/served-datasets';
import type { CellColumns, CellValue } from '../serving/cells';
import { scaledText } from '../serving/cells';
import type { AnalysisInput, AnalysisSpec } from './analysis-spec';
import { readUpload, resultsPath } from './customer-area';

/** Most rows an input or an intermediate result may have (an analysis holds them in memory). */
export const MAX_ANALYSIS_ROWS = 2_000_000;
const AVG_SCALE = 6;

/** The analysis cannot run on this data; names the spec field and why. Not retried. */
export class AnalysisError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'AnalysisError';
  }
}

interface Frame {
  /** Qualified names `alias.column`. */
  names: string[];
  columns: CellValue[][];
  rows: number;
}

// ---- decimals

interface Dec {
  v: bigint;
  s: number;
}
const DEC_RE = /^([+-]?)(\d+)(?:\.(\d+))?$/;

function dec(c: CellValue): Dec | null {
  if (c === null) return null;
  const m = DEC_RE.exec(typeof c === 'number' ? (Number.isFinite(c) ? String(c) : '') : c.trim());
  if (!m) return null;
  const frac = m[3] ?? '';
  const v = BigInt(m[2] + frac);
  return { v: m[1] === '-' ? -v : v, s: frac.length };
}
const rescale = (d: Dec, s: number) => d.v * 10n ** BigInt(s - d.s);
function cmpDec(a: Dec, b: Dec): number {
  const s = Math.max(a.s, b.s);
  const x = rescale(a, s);
  const y = rescale(b, s);
  return x < y ? -1 : x > y ? 1 : 0;
}
/** Numbers by value, else text; null sorts first. */
function compare(a: CellValue, b: CellValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  const da = dec(a);
  const db = dec(b);
  if (da && db) return cmpDec(da, db);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
/** A key under which equal values meet (5.50 and 5.5 alike). */
function keyOf(c: CellValue): string {
  if (c === null) return '\u0000';
  const d = dec(c);
  if (!d) return `t${String(c)}`;
  let { v, s } = d;
  while (s > 0 && v % 10n === 0n) {
    v /= 10n;
    s--;
  }
  return `n${v}e${s}`;
}
function halfUpDiv(num: bigint, den: bigint): bigint {
  const neg = num < 0n !== den < 0n;
  const a = num < 0n ? -num : num;
  const b = den < 0n ? -den : den;
  const q = (2n * a + b) / (2n * b);
  return neg ? -q : q;
}

// ---- inputs

function qualify(alias: string, cells: CellColumns): Frame {
  return { names: cells.names.map((n) => `${alias}.${n}`), columns: cells.columns, rows: cells.rows };
}

async function loadInput(
  store: PartitionStore,
  customerId: string,
  served: readonly ServedDataset[],
  input: AnalysisInput,
  index: number,
): Promise<Frame> {
  if (input.upload !== undefined) {
    const cells = await readUpload(store, customerId, input.upload);
    if (!cells) throw new AnalysisError(`inputs.${index}.upload`, `no upload ${input.upload} in this area`);
    if (cells.rows > MAX_ANALYSIS_ROWS)
      throw new AnalysisError(`inputs.${index}.upload`, `more than ${MAX_ANALYSIS_ROWS} rows`);
    return qualify(input.as, cells);
  }
  const dataset = served.find((d) => d.name === input.dataset);
  if (!dataset || input.from === undefined)
    throw new AnalysisError(`inputs.${index}.dataset`, `not a served dataset: ${String(input.dataset)}`);
  const q: DatasetQuery = { dataset, from: input.from, to: input.to ?? input.from, region: input.region };
  try {
    return qualify(input.as, await readDatasetColumns(store, q, MAX_ANALYSIS_ROWS));
  } catch (e) {
    if (e instanceof Error && e.name === 'DatasetTooLargeError') throw new AnalysisError(`inputs.${index}`, e.message);
    throw e;
  }
}

/** The index of a column reference in `frame`, or an AnalysisError naming `field`. */
export function resolveColumn(names: readonly string[], ref: string, field: string): number {
  const exact = names.indexOf(ref);
  if (exact >= 0) return exact;
  const hits = names.map((n, i) => [n, i] as const).filter(([n]) => n.slice(n.indexOf('.') + 1) === ref);
  if (hits.length === 1) return hits[0][1];
  throw new AnalysisError(
    field,
    hits.length === 0
      ? `no column ${ref} (columns: ${names.join(', ').slice(0, 300)})`
      : `column ${ref} is in more than one input: write ${hits.map(([n]) => n).join(' or ')}`,
  );
}

function join(left: Frame, right: Frame, spec: NonNullable<AnalysisSpec['join']>): Frame {
  const lk = spec.on.map((o, i) => resolveColumn(left.names, o.left, `join.on.${i}.left`));
  const rk = spec.on.map((o, i) => resolveColumn(right.names, o.right, `join.on.${i}.right`));
  const index = new Map<string, number[]>();
  for (let r = 0; r < right.rows; r++) {
    const key = rk.map((c) => keyOf(right.columns[c][r])).join('\u0001');
    const list = index.get(key);
    if (list) list.push(r);
    else index.set(key, [r]);
  }
  const li: number[] = [];
  const ri: number[] = [];
  for (let l = 0; l < left.rows; l++) {
    const hits = index.get(lk.map((c) => keyOf(left.columns[c][l])).join('\u0001'));
    if (hits)
      for (const r of hits) {
        li.push(l);
        ri.push(r);
      }
    else if (spec.type === 'left') {
      li.push(l);
      ri.push(-1);
    }
    if (li.length > MAX_ANALYSIS_ROWS) throw new AnalysisError('join', `more than ${MAX_ANALYSIS_ROWS} joined rows`);
  }
  return {
    names: [...left.names, ...right.names],
    columns: [
      ...left.columns.map((col) => li.map((i) => col[i])),
      ...right.columns.map((col) => ri.map((i) => (i < 0 ? null : col[i]))),
    ],
    rows: li.length,
  };
}

function filter(frame: Frame, conditions: AnalysisSpec['filter']): Frame {
  if (conditions.length === 0) return frame;
  const tests = conditions.map((f, i) => {
    const col = frame.columns[resolveColumn(frame.names, f.column, `filter.${i}.column`)];
    const lit: CellValue = typeof f.value === 'boolean' ? String(f.value) : f.value;
    return (r: number): boolean => {
      const v = col[r];
      if (f.op === '=') return keyOf(v) === keyOf(lit);
      if (f.op === '!=') return keyOf(v) !== keyOf(lit);
      if (v === null || lit === null) return false; // an order with a missing value is unknown
      const c = compare(v, lit);
      return f.op === '<' ? c < 0 : f.op === '<=' ? c <= 0 : f.op === '>' ? c > 0 : c >= 0;
    };
  });
  const keep: number[] = [];
  for (let r = 0; r < frame.rows; r++) if (tests.every((t) => t(r))) keep.push(r);
  return { names: frame.names, columns: frame.columns.map((col) => keep.map((i) => col[i])), rows: keep.length };
}

function aggregate(values: CellValue[], fn: AnalysisSpec['aggregates'][number]['fn'], field: string): CellValue {
  const present = values.filter((v) => v !== null);
  if (fn === 'count') return present.length;
  if (present.length === 0) return null;
  if (fn === 'min' || fn === 'max') {
    let best = present[0];
    for (const v of present) if (fn === 'min' ? compare(v, best) < 0 : compare(v, best) > 0) best = v;
    return best;
  }
  const decs = present.map((v) => {
    const d = dec(v);
    if (!d)
      throw new AnalysisError(
        field,
        `${fn} of a value that is not a number: ${JSON.stringify(String(v).slice(0, 40))}`,
      );
    return d;
  });
  const s = Math.max(...decs.map((d) => d.s));
  const sum = decs.reduce((acc, d) => acc + rescale(d, s), 0n);
  if (fn === 'sum') return scaledText(sum, s);
  // avg = sum / n at AVG_SCALE: (sum·10^(AVG_SCALE−s)) / n, or for s > AVG_SCALE divide by 10^(s−AVG_SCALE) too
  const num = s <= AVG_SCALE ? sum * 10n ** BigInt(AVG_SCALE - s) : sum;
  const den = BigInt(decs.length) * (s <= AVG_SCALE ? 1n : 10n ** BigInt(s - AVG_SCALE));
  return scaledText(halfUpDiv(num, den), AVG_SCALE);
}

interface Output {
  names: string[];
  columns: CellValue[][];
  /** Output columns that are counts (Int32 in Parquet). */
  counts: Set<string>;
}

const bareName = (qualified: string) => qualified.slice(qualified.indexOf('.') + 1);

function shape(frame: Frame, spec: AnalysisSpec): Output {
  if (spec.aggregates.length === 0) {
    const refs = spec.select ?? frame.names;
    const idx = refs.map((r, i) => resolveColumn(frame.names, r, spec.select ? `select.${i}` : 'select'));
    const names = idx.map((i) => bareName(frame.names[i]));
    const outNames = names.map((n, k) => (names.indexOf(n) === k ? n : frame.names[idx[k]]));
    return { names: outNames, columns: idx.map((i) => frame.columns[i]), counts: new Set() };
  }
  const g = spec.groupBy.map((r, i) => resolveColumn(frame.names, r, `groupBy.${i}`));
  const a = spec.aggregates.map((agg, i) =>
    agg.column === undefined ? -1 : resolveColumn(frame.names, agg.column, `aggregates.${i}.column`),
  );
  const groups = new Map<string, number[]>();
  for (let r = 0; r < frame.rows; r++) {
    const key = g.map((c) => keyOf(frame.columns[c][r])).join('\u0001');
    const list = groups.get(key);
    if (list) list.push(r);
    else groups.set(key, [r]);
  }
  // no groupBy: one row over everything (also over no rows: count 0)
  if (g.length === 0 && groups.size === 0) groups.set('', []);
  const ordered = [...groups.values()].sort((x, y) => {
    for (const c of g) {
      const d = compare(frame.columns[c][x[0]], frame.columns[c][y[0]]);
      if (d !== 0) return d;
    }
    return 0;
  });
  const groupNames = g.map((c) => bareName(frame.names[c]));
  const names = [
    ...groupNames.map((n, k) => (groupNames.indexOf(n) === k ? n : frame.names[g[k]])),
    ...spec.aggregates.map((x) => x.as),
  ];
  const columns: CellValue[][] = names.map(() => []);
  for (const rows of ordered) {
    g.forEach((c, k) => columns[k].push(frame.columns[c][rows[0]]));
    spec.aggregates.forEach((agg, k) => {
      const values = a[k] < 0 ? rows.map(() => 1) : rows.map((r) => frame.columns[a[k]][r]);
      columns[g.length + k].push(aggregate(values, agg.fn, `aggregates.${k}.column`));
    });
  }
  const counts = new Set(spec.aggregates.filter((x) => x.fn === 'count').map((x) => x.as));
  if (!spec.select) return { names, columns, counts };
  const pick = spec.select.map((s, i) => {
    const k = names.indexOf(s);
    if (k < 0) throw new AnalysisError(`select.${i}`, `not an output column (one of: ${names.join(', ')})`);
    return k;
  });
  return { names: pick.map((k) => names[k]), columns: pick.map((k) => columns[k]), counts };
}

/**
 * Checks every column reference of `spec` against the inputs' column names (one list per input)
 * by running it over no rows: an AnalysisError names the first field whose column is missing or
 * ambiguous. Lets PUT refuse a spec (400) instead of a run failing later.
 */
export function dryRunAnalysis(spec: AnalysisSpec, inputColumns: ReadonlyArray<readonly string[]>): void {
  const frames = spec.inputs.map((inp, i) =>
    qualify(inp.as, { names: [...inputColumns[i]], columns: inputColumns[i].map(() => []), rows: 0 }),
  );
  let frame = frames.length === 2 && spec.join ? join(frames[0], frames[1], spec.join) : frames[0];
  frame = filter(frame, spec.filter);
  shape(frame, spec);
}

/** Runs `spec` over the area's inputs; the result columns (not yet stored). */
export async function executeAnalysis(
  store: PartitionStore,
  customerId: string,
  served: readonly ServedDataset[],
  spec: AnalysisSpec,
): Promise<Output & { rows: number }> {
  const frames: Frame[] = [];
  for (const [i, input] of spec.inputs.entries()) frames.push(await loadInput(store, customerId, served, input, i));
  let frame = frames.length === 2 && spec.join ? join(frames[0], frames[1], spec.join) : frames[0];
  frame = filter(frame, spec.filter);
  const out = shape(frame, spec);
  return { ...out, rows: out.columns[0]?.length ?? 0 };
}

export function outputParquet(out: Output): Uint8Array {
  const cols: Record<string, arrow.Data> = {};
  out.names.forEach((n, c) => {
    cols[n] = out.counts.has(n)
      ? arrow.vectorFromArray(Int32Array.from(out.columns[c], (v) => Number(v))).data[0]
      : stringColumn(out.columns[c].map((v) => (v === null ? null : String(v))));
  });
  return parquetBytes(tableOf(cols));
}

/** Executes and stores the results (atomically replacing the previous ones); returns rows and version. */
export async function runAnalysis(
  store: PartitionStore,
  customerId: string,
  name: string,
  served: readonly ServedDataset[],
  spec: AnalysisSpec,
  runId: string,
): Promise<{ rows: number; version: string }> {
  const out = await executeAnalysis(store, customerId, served, spec);
  if (out.names.length === 0) throw new AnalysisError('select', 'the analysis has no output column');
  // run.json makes every run a new version, so the results always name the run that wrote them
  // (identical rows from a later run would otherwise leave the earlier run's pointer in place)
  const r = await store.replace(
    resultsPath(customerId, name),
    [
      { name: 'part-0.parquet', bytes: outputParquet(out) },
      { name: 'run.json', bytes: Buffer.from(JSON.stringify({ runId })), contentType: 'application/json' },
    ],
    { runId, rows: out.rows },
  );
  return { rows: out.rows, version: r.version };
}

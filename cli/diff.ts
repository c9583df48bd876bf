/**
 * `npm run diff -- OUT_A OUT_B [--kind energy|wholesale] [--format json|csv] [...]` (issue 17):
 * the calculation diff of two `npm run calculate` outputs, with the same kernel and the same JSON
 * and CSV as `GET /api/jobs/{a}/diff/{b}` (shared/results/diff).
 */
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AGGREGATION_LEVELS } from '../shared/domain/codes';
import { DIFF_DEFAULT_LIMIT, DIFF_MAX_LIMIT } from '../shared/http-api/job-diff';
import { DiffReport, diffCsvHeader, diffCsvLines } from '../shared/results/diff/diff-report';
import { diffOutputDirectories, OutputFileMissingError } from '../shared/results/diff/diff-outputs';
import { diffSpecOf } from '../shared/results/diff/diff-spec';

export const DIFF_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  kind: { type: 'string' },
  format: { type: 'string' },
  type: { type: 'string' },
  'grid-area': { type: 'string' },
  level: { type: 'string' },
  limit: { type: 'string' },
} satisfies ParseArgsConfig['options'];

export const DIFF_HELP = `npm run diff -- OUT_A OUT_B [options]

Compares the results of two \`npm run calculate\` outputs series by series and slot by slot
(OUT/energy_results.parquet, or OUT/wholesale_results.parquet with --kind wholesale): B − A,
exact decimals. Same answer as GET /api/jobs/{a}/diff/{b}. Exit code 0; 1 when an output file is
missing; 2 for bad usage.

  --kind energy|wholesale   default energy (quantity, kWh); wholesale compares amounts (DKK)
  --format json|csv         default json (summary, --limit biggest series); csv: every series
  --type T                  only this time series type (energy) or amount type (wholesale)
  --grid-area GGG           only this grid area
  --level L                 energy: only this aggregation level (${AGGREGATION_LEVELS.join(', ')})
  --limit N                 json: series listed, 1-${DIFF_MAX_LIMIT} (default ${DIFF_DEFAULT_LIMIT})
  -h, --help                this text
`;

const usage = (err: (s: string) => void, message: string): number => {
  err(`usage: ${message} (see --help)`);
  return 2;
};

export async function runDiff(
  argv: string[],
  write: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = console.error,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: DIFF_OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return usage(err, (e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    write(DIFF_HELP);
    return 0;
  }
  if (positionals.length !== 2) return usage(err, 'give two output folders: OUT_A OUT_B');
  const kind = values.kind ?? 'energy';
  if (kind !== 'energy' && kind !== 'wholesale') return usage(err, `--kind must be energy or wholesale, not '${kind}'`);
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'csv') return usage(err, `--format must be json or csv, not '${format}'`);
  const limit = values.limit === undefined ? DIFF_DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > DIFF_MAX_LIMIT)
    return usage(err, `--limit must be an integer from 1 to ${DIFF_MAX_LIMIT}`);
  const level = values.level;
  if (level !== undefined && !(AGGREGATION_LEVELS as readonly string[]).includes(level))
    return usage(err, `--level must be one of ${AGGREGATION_LEVELS.join(', ')}`);
  const gridArea = values['grid-area'];
  if (gridArea !== undefined && !/^\d{3}$/.test(gridArea)) return usage(err, '--grid-area must be a 3-digit code');
  const [dirA, dirB] = positionals;
  const query = { kind, type: values.type, gridArea, level } as const;
  const spec = diffSpecOf(kind);
  try {
    if (format === 'csv') {
      write(diffCsvHeader(spec));
      for await (const { result } of diffOutputDirectories(dirA, dirB, query)) write(diffCsvLines(spec, result.series));
      return 0;
    }
    const report = new DiffReport(spec, limit);
    for await (const { result } of diffOutputDirectories(dirA, dirB, query)) report.add(result);
    const json = report.json(basename(dirA), basename(dirB), {
      type: values.type ?? null,
      gridArea: gridArea ?? null,
      level: level ?? null,
    });
    write(JSON.stringify(json, null, 2) + '\n');
    return 0;
  } catch (e) {
    if (e instanceof OutputFileMissingError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  runDiff(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(70);
    },
  );
}

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { formatQualities, QBIT_ACTIVE } from '../domain/codes';
import { formatScaled } from '../decimal/scaled';
import { formatInstant } from '../domain/time';
import type { EnergyResults } from './energy-results';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from './energy-result-row';

export const ENERGY_RESULTS_CSV_HEADER = ENERGY_RESULT_COLUMNS.join(';');

interface LineContext {
  times: string[];
  qualityText: Map<number, string>;
}

function lineContext(r: EnergyResults): LineContext {
  return {
    times: Array.from({ length: r.nSlots }, (_, s) => formatInstant(r.periodStart + s * r.slotMs)),
    qualityText: new Map(),
  };
}

/** CSV lines of series i, slot by slot. Strings constant per series or per slot are built once. */
function seriesLines(r: EnergyResults, i: number, ctx: LineContext, onLine: (line: string) => void): void {
  const m = r.series[i];
  const prefix = [
    r.calculationId,
    r.calculationType,
    m.timeSeriesType,
    m.aggregationLevel,
    m.gridAreaCode,
    m.neighborGridAreaCode ?? '',
    m.energySupplierId ?? '',
    m.balanceResponsiblePartyId ?? '',
    m.meteringPointId ?? '',
  ].join(';');
  const values = r.values[i];
  const masks = r.masks[i];
  for (let s = 0; s < r.nSlots; s++) {
    const mask = masks[s];
    if (!(mask & QBIT_ACTIVE)) continue;
    let q = ctx.qualityText.get(mask);
    if (q === undefined) ctx.qualityText.set(mask, (q = formatQualities(mask)));
    onLine(`${prefix};${ctx.times[s]};${r.resolution};${formatScaled(values[s], 3)};${q};${m.resultId}`);
  }
}

export function energyResultRows(r: EnergyResults): EnergyResultRow[] {
  const rows: EnergyResultRow[] = [];
  const ctx = lineContext(r);
  for (let i = 0; i < r.series.length; i++) {
    seriesLines(r, i, ctx, (line) => {
      const f = line.split(';');
      const row = {} as EnergyResultRow;
      ENERGY_RESULT_COLUMNS.forEach((c, k) => (row[c] = f[k]));
      rows.push(row);
    });
  }
  return rows;
}

/** Streams `energy_results.csv` (header + one line per result point); returns the number of points. */
export async function writeEnergyResultsCsv(r: EnergyResults, path: string): Promise<number> {
  const out = createWriteStream(path);
  const ctx = lineContext(r);
  let chunk: string[] = [ENERGY_RESULTS_CSV_HEADER];
  let lines = 0;
  for (let i = 0; i < r.series.length; i++) {
    seriesLines(r, i, ctx, (line) => {
      chunk.push(line);
      lines++;
    });
    if (chunk.length >= 20_000 || i === r.series.length - 1) {
      const ok = out.write(chunk.join('\n') + '\n');
      chunk = [];
      if (!ok) await once(out, 'drain');
    }
  }
  if (chunk.length) out.write(chunk.join('\n') + '\n');
  out.end();
  await once(out, 'finish');
  return lines;
}

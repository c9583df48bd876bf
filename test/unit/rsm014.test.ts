/**
 * RSM-014 NotifyAggregatedMeasureData builder: quality collapse (opengeh-wholesale §2.6), routing
 * and document counts per calculation type (§5.2), header/Series/Point content (§5.1),
 * deterministic ids, and XSD validation of every document of the F1 scenario against the
 * official DataHub schema (with negative cases proving the validator rejects broken documents).
 */
import path from 'node:path';
import { readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { calculateScenario } from '../../shared/calculation/energy/run';
import { CALCULATION_TYPES, type CalculationType, type Quality } from '../../shared/domain/codes';
import type { EnergyResultRow } from '../../shared/results/energy-result-row';
import { resultId, resultNamespaceUuid } from '../../shared/results/result-id';
import {
  buildRsm014Documents,
  buildRsm014DocumentsPausing,
  collapseQuality,
  escapeXml,
  formatYmdhm,
  GridAreaOwnerNotFoundError,
  parseGridAreaOwnersCsv,
  PROCESS_TYPE,
  Rsm014InputError,
  rsm014Ids,
  RSM014_XSD,
  type Rsm014Calculation,
  type Rsm014Document,
} from '../../shared/market-documents/rsm014';
import { validateAgainstXsd } from '../../shared/market-documents/xsd-validator';
import { errorContaining } from '../support/matchers';
import { itWithCimSchemas, rsm014Schemas } from '../support/cim-schemas';

// the official schemas live outside the repository; without them the validating tests are skipped
const XSD = rsm014Schemas().set;
const withXsd = itWithCimSchemas();
const F1 = path.resolve(__dirname, '../scenarios/f1-minimal-energy');

// ---------------------------------------------------------------- helpers

const CALC_ID = '11111111-2222-3333-4444-555555555555';
const START = Date.parse('2023-07-02T02:00:00Z');
const END = Date.parse('2023-07-02T03:00:00Z');
const OWNERS: Record<string, string> = { '800': '5790000000001', '801': '5790000000002' };
const owner = (ga: string): string | null => OWNERS[ga] ?? null;
const ES1 = '1000000000000';
const ES2 = '2000000000000';
const BRP1 = '1100000000000';

function calc(calculationType: CalculationType): Rsm014Calculation {
  return {
    calculationId: CALC_ID,
    calculationType,
    periodStart: START,
    periodEnd: END,
    createdAt: Date.parse('2024-01-31T09:39:12.345Z'),
  };
}

interface SeriesSpec {
  type: string;
  level: string;
  ga?: string;
  neighbor?: string;
  es?: string;
  brp?: string;
  mp?: string;
  /** One entry per quarter 02:00, 02:15, …; null entry = no row in that slot. */
  points?: ReadonlyArray<{ q: string; qualities: Quality[] } | null>;
}

const MEASURED4 = [0, 1, 2, 3].map((i) => ({ q: `${i + 1}.250`, qualities: ['measured'] as Quality[] }));

function rowsOf(calculationType: CalculationType, specs: readonly SeriesSpec[]): EnergyResultRow[] {
  const rows: EnergyResultRow[] = [];
  for (const s of specs) {
    const ga = s.ga ?? '800';
    const id = resultId({
      calculationId: CALC_ID,
      timeSeriesType: s.type,
      aggregationLevel: s.level,
      gridAreaCode: ga,
      neighborGridAreaCode: s.neighbor ?? null,
      energySupplierId: s.es ?? null,
      balanceResponsiblePartyId: s.brp ?? null,
      meteringPointId: s.mp ?? null,
    });
    (s.points ?? MEASURED4).forEach((p, i) => {
      if (p === null) return;
      rows.push({
        calculation_id: CALC_ID,
        calculation_type: calculationType,
        time_series_type: s.type,
        aggregation_level: s.level,
        grid_area_code: ga,
        neighbor_grid_area_code: s.neighbor ?? '',
        energy_supplier_id: s.es ?? '',
        balance_responsible_party_id: s.brp ?? '',
        metering_point_id: s.mp ?? '',
        time: new Date(START + i * 900_000).toISOString().replace('.000Z', 'Z'),
        resolution: 'PT15M',
        quantity: p.q,
        quantity_qualities: `[${p.qualities.map((q) => `'${q}'`).join(', ')}]`,
        result_id: id,
      });
    });
  }
  return rows;
}

/** Every type/level the engine can emit, for one grid area with two suppliers under one BRP. */
function engineLikeSpecs(calculationType: CalculationType): SeriesSpec[] {
  const agg = calculationType === 'aggregation' || calculationType === 'balance_fixing';
  const specs: SeriesSpec[] = [
    { type: 'net_exchange_per_ga', level: 'grid_area' },
    { type: 'temp_production', level: 'grid_area' },
    { type: 'temp_flex_consumption', level: 'grid_area' },
    { type: 'grid_loss', level: 'grid_area' },
    { type: 'positive_grid_loss', level: 'metering_point', es: ES1, brp: BRP1, mp: '170000001500001000' },
    { type: 'negative_grid_loss', level: 'metering_point', es: ES2, brp: BRP1, mp: '180000001500001000' },
    { type: 'total_consumption', level: 'grid_area' },
  ];
  for (const type of ['production', 'non_profiled_consumption', 'flex_consumption']) {
    specs.push(
      { type, level: 'grid_area' },
      { type, level: 'energy_supplier', es: ES1, brp: BRP1 },
      { type, level: 'energy_supplier', es: ES2, brp: BRP1 },
    );
    if (agg) specs.push({ type, level: 'balance_responsible_party', brp: BRP1 });
  }
  if (agg) specs.push({ type: 'net_exchange_per_neighboring_ga', level: 'neighbor_grid_area', neighbor: '801' });
  return specs;
}

/** Text of every `<cim:name>` element (no nesting in the leaves we look at). */
function texts(xml: string, name: string): string[] {
  return [
    ...xml.matchAll(
      new RegExp(`<cim:${name.replace(/\./g, '\\.')}(?: [^>]*)?>([^<]*)</cim:${name.replace(/\./g, '\\.')}>`, 'g'),
    ),
  ].map((m) => m[1]);
}
const text = (xml: string, name: string): string | undefined => texts(xml, name)[0];

/** Element names in document order (open tags only), to check the XSD sequence. */
function elementOrder(xml: string, within: string): string[] {
  const inner = new RegExp(`<cim:${within}(?: [^>]*)?>([\\s\\S]*)</cim:${within}>`).exec(xml);
  if (!inner) throw new Error(`no ${within} element`);
  const body = inner[1];
  // top level of `within` only: strip nested Series / Period blocks
  const flat = body
    .replace(/<cim:Series>[\s\S]*<\/cim:Series>/, '<cim:Series>')
    .replace(/<cim:Period>[\s\S]*<\/cim:Period>/, '<cim:Period>');
  return [...flat.matchAll(/<cim:([A-Za-z_.]+)[ >]/g)].map((m) => m[1]);
}

interface PointView {
  position: string;
  quantity: string | undefined;
  quality: string | undefined;
}
function pointsOf(xml: string): PointView[] {
  return [...xml.matchAll(/<cim:Point>([\s\S]*?)<\/cim:Point>/g)].map((m) => ({
    position: text(m[1], 'position') ?? '',
    quantity: text(m[1], 'quantity'),
    quality: text(m[1], 'quality'),
  }));
}

const summary = (docs: readonly Rsm014Document[]): string[] =>
  docs.map((d) => `${d.receiver.role} ${d.receiver.id} ${d.timeSeriesType}`).sort();

async function expectAllValid(docs: readonly Rsm014Document[]): Promise<void> {
  const results = await validateAgainstXsd(
    XSD,
    docs.map((d, i) => ({ name: `${i}-${d.receiver.role}-${d.documentId}.xml`, xml: d.xml })),
  );
  const invalid = [...results].filter(([, r]) => !r.valid).map(([n, r]) => `${n}: ${r.errors.join(' | ')}`);
  expect(invalid).toEqual([]);
  expect(results.size).toBe(docs.length);
}

// ---------------------------------------------------------------- quality collapse

describe('collapseQuality (§2.6, first matching rule wins)', () => {
  test.each<[string, Quality[], string | null]>([
    ['1. only missing → A05', ['missing'], 'A05'],
    ['2. missing + measured → A05 (incomplete)', ['missing', 'measured'], 'A05'],
    ['2. missing + estimated + calculated → A05', ['missing', 'estimated', 'calculated'], 'A05'],
    ['3. estimated → A03', ['estimated'], 'A03'],
    ['3. estimated outranks measured and calculated', ['estimated', 'measured', 'calculated'], 'A03'],
    ['4. measured → null (element omitted)', ['measured'], null],
    ['4. measured outranks calculated', ['measured', 'calculated'], null],
    ['5. only calculated → A06', ['calculated'], 'A06'],
    ['6. nothing → A02 (not available)', [], 'A02'],
  ])('%s', (_name, qualities, expected) => {
    expect(collapseQuality(qualities)).toBe(expected);
    expect(collapseQuality(new Set(qualities))).toBe(expected);
    expect(collapseQuality([...qualities].reverse())).toBe(expected); // a set: order is irrelevant
  });
});

// ---------------------------------------------------------------- routing

describe('routing and document counts per calculation type (§5.2)', () => {
  const expectedFor = (t: CalculationType): string[] => {
    const agg = t === 'aggregation' || t === 'balance_fixing';
    const out: string[] = [];
    for (const type of [
      'net_exchange_per_ga',
      'total_consumption',
      'production',
      'non_profiled_consumption',
      'flex_consumption',
    ])
      out.push(`MDR 5790000000001 ${type}`);
    for (const type of ['production', 'non_profiled_consumption', 'flex_consumption']) {
      out.push(`DDQ ${ES1} ${type}`, `DDQ ${ES2} ${type}`);
      if (agg) out.push(`DDK ${BRP1} ${type}`, `DDK ${BRP1} ${type}`, `DDK ${BRP1} ${type}`); // ES1 row, ES2 row, BRP sum
    }
    return out.sort();
  };

  test.each(CALCULATION_TYPES.map((t) => [t]))('%s', (t) => {
    const docs = buildRsm014Documents(rowsOf(t, engineLikeSpecs(t)), calc(t), owner);
    expect(summary(docs)).toEqual(expectedFor(t));
    const agg = t === 'aggregation' || t === 'balance_fixing';
    expect(docs).toHaveLength(agg ? 5 + 6 + 9 : 5 + 6);
    // one document per (result, receiver), each with exactly one Series
    expect(new Set(docs.map((d) => `${d.resultId}|${d.receiver.role}|${d.receiver.id}`)).size).toBe(docs.length);
    for (const d of docs) expect(d.xml.match(/<cim:Series>/g)).toHaveLength(1);
  });

  test('never sends exchange per neighbour, grid loss or temp types', () => {
    const docs = buildRsm014Documents(
      rowsOf('balance_fixing', engineLikeSpecs('balance_fixing')),
      calc('balance_fixing'),
      owner,
    );
    const types = new Set(docs.map((d) => d.timeSeriesType));
    for (const t of [
      'net_exchange_per_neighboring_ga',
      'temp_production',
      'temp_flex_consumption',
      'grid_loss',
      'positive_grid_loss',
      'negative_grid_loss',
    ])
      expect(types.has(t as never)).toBe(false);
  });

  test('per-BRP rows of a wholesale settlement are not sent to the BRP even if present (#452)', () => {
    const specs: SeriesSpec[] = [{ type: 'production', level: 'balance_responsible_party', brp: BRP1 }];
    expect(buildRsm014Documents(rowsOf('wholesale_fixing', specs), calc('wholesale_fixing'), owner)).toEqual([]);
    expect(summary(buildRsm014Documents(rowsOf('balance_fixing', specs), calc('balance_fixing'), owner))).toEqual([
      `DDK ${BRP1} production`,
    ]);
  });

  test('grid-area results go to the owner of their own grid area', () => {
    const docs = buildRsm014Documents(
      rowsOf('aggregation', [{ type: 'production', level: 'grid_area', ga: '801' }]),
      calc('aggregation'),
      owner,
    );
    expect(docs.map((d) => d.receiver)).toEqual([{ id: '5790000000002', role: 'MDR' }]);
    expect(text(docs[0].xml, 'meteringGridArea_Domain.mRID')).toBe('801');
  });

  test('an unknown grid area owner is a typed error naming the grid area', () => {
    const rows = rowsOf('aggregation', [{ type: 'production', level: 'grid_area', ga: '803' }]);
    expect(() => buildRsm014Documents(rows, calc('aggregation'), owner)).toThrow(GridAreaOwnerNotFoundError);
    try {
      buildRsm014Documents(rows, calc('aggregation'), owner);
    } catch (e) {
      expect((e as GridAreaOwnerNotFoundError).gridArea).toBe('803');
      expect((e as Error).message).toMatch(/grid area 803/);
    }
  });

  test('the owner is only needed for grid areas with a grid-area-level result to send', () => {
    // an exchange-per-neighbour row names 801 and 804 but is never sent, so 804 needs no owner
    const rows = rowsOf('aggregation', [
      { type: 'net_exchange_per_neighboring_ga', level: 'neighbor_grid_area', ga: '804', neighbor: '801' },
    ]);
    expect(buildRsm014Documents(rows, calc('aggregation'), owner)).toEqual([]);
  });
});

// ---------------------------------------------------------------- paced build

describe('buildRsm014DocumentsPausing (the result sender next to HTTP functions)', () => {
  const t: CalculationType = 'balance_fixing';
  const rows = rowsOf(t, engineLikeSpecs(t));

  test('the same documents as the synchronous build, pausing after every document', async () => {
    let pauses = 0;
    const paced = await buildRsm014DocumentsPausing(rows, calc(t), owner, () => {
      pauses++;
      return Promise.resolve();
    });
    const whole = buildRsm014Documents(rows, calc(t), owner);
    expect(paced).toEqual(whole);
    expect(whole.length).toBeGreaterThan(1);
    expect(pauses).toBe(whole.length);
  });

  test('all or nothing: an error after some documents were rendered rejects with no documents', async () => {
    // a point of the last document's series lies outside the period: only rendering finds that
    const whole = buildRsm014Documents(rows, calc(t), owner);
    const last = whole[whole.length - 1].resultId;
    const at = rows.findIndex((r) => r.result_id === last);
    const bad = rows.map((r, i) => (i === at ? { ...r, time: '2030-01-01T00:00:00Z' } : r));
    let pauses = 0;
    await expect(
      buildRsm014DocumentsPausing(bad, calc(t), owner, () => {
        pauses++;
        return Promise.resolve();
      }),
    ).rejects.toThrow(/is not a PT\w+ slot of the period/);
    expect(pauses).toBeGreaterThan(0);
  });
});

// ---------------------------------------------------------------- content

describe('document content (§5.1)', () => {
  const t: CalculationType = 'balance_fixing';
  const docs = buildRsm014Documents(rowsOf(t, engineLikeSpecs(t)), calc(t), owner);
  const find = (role: string, type: string, pred: (d: Rsm014Document) => boolean = () => true): Rsm014Document => {
    const d = docs.find((x) => x.receiver.role === role && x.timeSeriesType === type && pred(x));
    if (!d) throw new Error(`no ${role} ${type} document`);
    return d;
  };

  test('header elements in XSD order with the fixed codes', () => {
    const d = find('DDQ', 'production');
    expect(elementOrder(d.xml, 'NotifyAggregatedMeasureData_MarketDocument')).toEqual([
      'mRID',
      'type',
      'process.processType',
      'businessSector.type',
      'sender_MarketParticipant.mRID',
      'sender_MarketParticipant.marketRole.type',
      'receiver_MarketParticipant.mRID',
      'receiver_MarketParticipant.marketRole.type',
      'createdDateTime',
      'Series',
    ]);
    expect(d.xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<cim:NotifyAggregatedMeasureData_MarketDocument xmlns:cim="urn:ediel.org:measure:notifyaggregatedmeasuredata:0:1">/,
    );
    expect(text(d.xml, 'mRID')).toBe(d.documentId);
    expect(text(d.xml, 'type')).toBe('E31');
    expect(text(d.xml, 'process.processType')).toBe('D04');
    expect(text(d.xml, 'businessSector.type')).toBe('23');
    expect(d.xml).toContain(
      '<cim:sender_MarketParticipant.mRID codingScheme="A10">5790001330552</cim:sender_MarketParticipant.mRID>',
    );
    expect(text(d.xml, 'sender_MarketParticipant.marketRole.type')).toBe('DGL');
    expect(d.xml).toContain(
      `<cim:receiver_MarketParticipant.mRID codingScheme="A10">${ES1}</cim:receiver_MarketParticipant.mRID>`,
    );
    expect(text(d.xml, 'receiver_MarketParticipant.marketRole.type')).toBe('DDQ');
    expect(text(d.xml, 'createdDateTime')).toBe('2024-01-31T09:39:12Z');
  });

  test('process type per calculation type (§1.1); settlement_Series.version only for corrections', () => {
    expect(PROCESS_TYPE).toEqual({
      aggregation: 'D03',
      balance_fixing: 'D04',
      wholesale_fixing: 'D05',
      first_correction_settlement: 'D32',
      second_correction_settlement: 'D32',
      third_correction_settlement: 'D32',
    });
    const version: Record<CalculationType, string | undefined> = {
      aggregation: undefined,
      balance_fixing: undefined,
      wholesale_fixing: undefined,
      first_correction_settlement: 'D01',
      second_correction_settlement: 'D02',
      third_correction_settlement: 'D03',
    };
    for (const ct of CALCULATION_TYPES) {
      const [d] = buildRsm014Documents(rowsOf(ct, [{ type: 'production', level: 'grid_area' }]), calc(ct), owner);
      expect(text(d.xml, 'process.processType')).toBe(PROCESS_TYPE[ct]);
      expect(text(d.xml, 'settlement_Series.version')).toBe(version[ct]);
    }
  });

  test('Series elements in XSD order', () => {
    const d = find('DDK', 'flex_consumption', (x) => x.xml.includes('energySupplier_MarketParticipant'));
    const series = /<cim:Series>[\s\S]*<\/cim:Series>/.exec(d.xml)?.[0] ?? '';
    expect(elementOrder(series, 'Series')).toEqual([
      'mRID',
      'marketEvaluationPoint.type',
      'marketEvaluationPoint.settlementMethod',
      'meteringGridArea_Domain.mRID',
      'energySupplier_MarketParticipant.mRID',
      'balanceResponsibleParty_MarketParticipant.mRID',
      'product',
      'quantity_Measure_Unit.name',
      'Period',
    ]);
    expect(text(series, 'mRID')).toBe(d.seriesId);
    expect(series).toContain(
      '<cim:meteringGridArea_Domain.mRID codingScheme="NDK">800</cim:meteringGridArea_Domain.mRID>',
    );
    expect(text(series, 'product')).toBe('8716867000030');
    expect(text(series, 'quantity_Measure_Unit.name')).toBe('KWH');
    expect(text(series, 'resolution')).toBe('PT15M');
    expect(text(series, 'start')).toBe('2023-07-02T02:00Z');
    expect(text(series, 'end')).toBe('2023-07-02T03:00Z');
  });

  test('metering point type and settlement method per time series type', () => {
    const expected: Record<string, [string, string | undefined]> = {
      production: ['E18', undefined],
      non_profiled_consumption: ['E17', 'E02'],
      flex_consumption: ['E17', 'D01'],
      net_exchange_per_ga: ['E20', undefined],
      total_consumption: ['E17', undefined],
    };
    for (const [type, [mep, method]] of Object.entries(expected)) {
      const d = find('MDR', type);
      expect([
        text(d.xml, 'marketEvaluationPoint.type'),
        text(d.xml, 'marketEvaluationPoint.settlementMethod'),
      ]).toEqual([mep, method]);
    }
  });

  test('actor ids on the Series: DDQ gets the supplier only, DDK the supplier and BRP, a BRP sum the BRP only, MDR neither', () => {
    const actors = (d: Rsm014Document) => [
      text(d.xml, 'energySupplier_MarketParticipant.mRID'),
      text(d.xml, 'balanceResponsibleParty_MarketParticipant.mRID'),
    ];
    expect(actors(find('DDQ', 'production', (d) => d.receiver.id === ES2))).toEqual([ES2, undefined]);
    expect(actors(find('DDK', 'production', (d) => d.xml.includes(`>${ES2}<`)))).toEqual([ES2, BRP1]);
    expect(actors(find('DDK', 'production', (d) => !d.xml.includes('energySupplier_MarketParticipant')))).toEqual([
      undefined,
      BRP1,
    ]);
    expect(actors(find('MDR', 'production'))).toEqual([undefined, undefined]);
    expect(find('DDK', 'production').xml).toContain(
      `<cim:balanceResponsibleParty_MarketParticipant.mRID codingScheme="A10">${BRP1}</cim:balanceResponsibleParty_MarketParticipant.mRID>`,
    );
  });

  test('points: 1-based positions in time order, quantity omitted when null, quality collapsed and omitted when measured', () => {
    // rows deliberately out of time order; a point without quantity; every quality rule
    const rows = rowsOf('aggregation', [
      {
        type: 'production',
        level: 'grid_area',
        points: [
          { q: '-1.500', qualities: ['measured', 'calculated'] },
          { q: '', qualities: ['missing'] },
          { q: '2.000', qualities: ['estimated', 'measured'] },
          { q: '0.125', qualities: ['calculated'] },
        ],
      },
    ]).reverse();
    const [d] = buildRsm014Documents(rows, calc('aggregation'), owner);
    expect(pointsOf(d.xml)).toEqual([
      { position: '1', quantity: '-1.500', quality: undefined },
      { position: '2', quantity: undefined, quality: 'A05' },
      { position: '3', quantity: '2.000', quality: 'A03' },
      { position: '4', quantity: '0.125', quality: 'A06' },
    ]);
    expect(d.xml).not.toContain('A04');
  });

  test('a series without some slots keeps each point in its own slot', () => {
    const rows = rowsOf('aggregation', [
      {
        type: 'production',
        level: 'energy_supplier',
        es: ES1,
        brp: BRP1,
        points: [null, { q: '1.000', qualities: ['measured'] }, null, { q: '3.000', qualities: ['measured'] }],
      },
    ]);
    const [d] = buildRsm014Documents(rows, calc('aggregation'), owner);
    expect(pointsOf(d.xml).map((p) => [p.position, p.quantity])).toEqual([
      ['2', '1.000'],
      ['4', '3.000'],
    ]);
  });

  test('hourly results: PT1H and one position per hour', () => {
    const rows = rowsOf('aggregation', [{ type: 'production', level: 'grid_area' }]).slice(0, 1);
    rows[0] = { ...rows[0], resolution: 'PT1H' };
    const c = { ...calc('aggregation'), periodEnd: START + 3 * 3_600_000 };
    const more = [1, 2].map((h) => ({
      ...rows[0],
      time: new Date(START + h * 3_600_000).toISOString().replace('.000Z', 'Z'),
    }));
    const [d] = buildRsm014Documents([...rows, ...more], c, owner);
    expect(text(d.xml, 'resolution')).toBe('PT1H');
    expect(text(d.xml, 'end')).toBe('2023-07-02T05:00Z');
    expect(pointsOf(d.xml).map((p) => p.position)).toEqual(['1', '2', '3']);
  });
});

// ---------------------------------------------------------------- ids, escaping, input errors

describe('deterministic ids, escaping, refused input', () => {
  const rows = rowsOf('balance_fixing', engineLikeSpecs('balance_fixing'));

  test('rebuilding (a redelivered event) gives the same ids and bytes', () => {
    const a = buildRsm014Documents(rows, calc('balance_fixing'), owner);
    const b = buildRsm014Documents([...rows].reverse(), calc('balance_fixing'), owner);
    const byId = (docs: Rsm014Document[]) => new Map(docs.map((d) => [d.documentId, d.xml]));
    expect(byId(b)).toEqual(byId(a));
  });

  test('ids are uuid5 of (calculation, result, role, receiver), distinct per receiver and between document and Series', () => {
    const docs = buildRsm014Documents(rows, calc('balance_fixing'), owner);
    const ids = docs.flatMap((d) => [d.documentId, d.seriesId]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const d of docs) {
      expect(d.documentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(rsm014Ids(CALC_ID, d.resultId, d.receiver)).toEqual({ documentId: d.documentId, seriesId: d.seriesId });
      expect(d.documentId).toBe(
        resultNamespaceUuid(`rsm014-document|${CALC_ID}|${d.resultId}|${d.receiver.role}|${d.receiver.id}`),
      );
    }
    // same result, same BRP id, different role → different ids (DDQ vs DDK copy of one ES result)
    const es = docs.filter((d) => d.timeSeriesType === 'production' && d.xml.includes(`>${ES1}<`));
    expect(es.map((d) => d.receiver.role).sort()).toEqual(['DDK', 'DDQ']);
    expect(es[0].resultId).toBe(es[1].resultId);
    expect(es[0].documentId).not.toBe(es[1].documentId);
    // another calculation → other ids
    const other = buildRsm014Documents(
      rows.map((r) => ({ ...r, calculation_id: 'other' })),
      { ...calc('balance_fixing'), calculationId: 'other' },
      owner,
    );
    expect(other.some((d) => docs.some((x) => x.documentId === d.documentId))).toBe(false);
  });

  test('escapeXml escapes markup characters and refuses characters XML cannot carry', () => {
    expect(escapeXml(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    expect(() => escapeXml('a\u0001b')).toThrow(Rsm014InputError);
    const [d] = buildRsm014Documents(
      rowsOf('aggregation', [{ type: 'production', level: 'grid_area', ga: 'A&B' }]),
      calc('aggregation'),
      () => '5790000000001',
    );
    expect(d.xml).toContain('>A&amp;B</cim:meteringGridArea_Domain.mRID>');
  });

  test('formatYmdhm has no seconds and refuses instants that have some', () => {
    expect(formatYmdhm(START)).toBe('2023-07-02T02:00Z');
    expect(() => formatYmdhm(START + 30_000)).toThrow(Rsm014InputError);
  });

  test('refuses rows of another calculation, inconsistent series, points outside the period and unaddressable parties', () => {
    const base = rowsOf('aggregation', [{ type: 'production', level: 'energy_supplier', es: ES1, brp: BRP1 }]);
    const c = calc('aggregation');
    expect(() => buildRsm014Documents(base, { ...c, calculationType: 'balance_fixing' }, owner)).toThrow(
      /belongs to calculation/,
    );
    expect(() => buildRsm014Documents(base, { ...c, calculationId: 'x' }, owner)).toThrow(/belongs to calculation/);
    expect(() =>
      buildRsm014Documents([...base, { ...base[0], energy_supplier_id: ES2, time: '2023-07-02T03:00:00Z' }], c, owner),
    ).toThrow(/rows disagree/);
    expect(() => buildRsm014Documents([...base, { ...base[0] }], c, owner)).toThrow(/two points/);
    expect(() => buildRsm014Documents([...base, { ...base[0] }], c, owner)).toThrow(
      errorContaining({ name: 'Rsm014InputError', resultId: base[0].result_id }),
    );
    expect(() => buildRsm014Documents(base, c, owner)).not.toThrow();
    expect(() => buildRsm014Documents(base, { ...c, calculationId: '' }, owner)).toThrow(
      errorContaining({ message: 'calculationId is empty', resultId: null }),
    );
    expect(() => buildRsm014Documents(base, { ...c, periodEnd: START + 1_800_000 }, owner)).toThrow(
      /is not a PT15M slot of the period/,
    );
    expect(() =>
      buildRsm014Documents(
        base.map((r) => ({ ...r, result_id: '' })),
        c,
        owner,
      ),
    ).toThrow(/no result_id/);
    expect(() =>
      buildRsm014Documents(
        base.map((r) => ({ ...r, quantity: '1.5' })),
        c,
        owner,
      ),
    ).toThrow(/3-decimal/);
    expect(() =>
      buildRsm014Documents(
        base.map((r) => ({ ...r, quantity_qualities: "['superb']" })),
        c,
        owner,
      ),
    ).toThrow(/unknown quality 'superb'/);
    const badEs = rowsOf('aggregation', [{ type: 'production', level: 'energy_supplier', es: 'ES-1', brp: BRP1 }]);
    expect(() => buildRsm014Documents(badEs, c, owner)).toThrow(
      /receiver \(DDQ\) 'ES-1' is neither a 13-digit GLN nor a 16-character EIC/,
    );
    const rows = rowsOf('aggregation', [{ type: 'production', level: 'grid_area' }]);
    expect(() => buildRsm014Documents(rows, c, () => '57900000000011234567')).toThrow(Rsm014InputError);
    for (const d of buildRsm014Documents(
      rowsOf('aggregation', [{ type: 'production', level: 'energy_supplier', es: '10X1001A1001A248', brp: BRP1 }]),
      c,
      owner,
    )) {
      expect(d.xml).toContain('codingScheme="A01">10X1001A1001A248<'); // an EIC is coded A01
    }
  });

  test('grid_area_owners.csv parsing', () => {
    expect(
      parseGridAreaOwnersCsv('grid_area_code;grid_access_provider_id\n800;5790000000001\r\n801;5790000000002\n'),
    ).toEqual(
      new Map([
        ['800', '5790000000001'],
        ['801', '5790000000002'],
      ]),
    );
    expect(() =>
      parseGridAreaOwnersCsv('grid_area_code;grid_access_provider_id\n800;5790000000001\n800;5790000000002\n'),
    ).toThrow(/row 2, column grid_area_code: grid area 800 is listed twice/);
    expect(() => parseGridAreaOwnersCsv('grid_area_code;grid_access_provider_id\n800;579\n')).toThrow(
      /row 1, column grid_access_provider_id/,
    );
    expect(() => parseGridAreaOwnersCsv('grid_area;owner\n800;5790000000001\n')).toThrow(
      /column grid_area_code: required column is missing/,
    );
  });
});

// ---------------------------------------------------------------- XSD

describe('XSD validation (official RSM-014 schema)', () => {
  let f1Docs: Rsm014Document[] = [];
  let f1Rows: EnergyResultRow[] = [];
  let f1Calc: Rsm014Calculation;

  beforeAll(async () => {
    const args = await readScenarioArguments(F1);
    f1Rows = await calculateScenario(F1);
    f1Calc = {
      calculationId: args.calculationId,
      calculationType: args.calculationType,
      periodStart: args.periodStart,
      periodEnd: args.periodEnd,
      createdAt: args.executionTimeStart,
    };
    f1Docs = buildRsm014Documents(f1Rows, f1Calc, () => '5790000000001');
  });

  test('the validator is pointed at the real schema', () => {
    expect(RSM014_XSD).toBe('urn-ediel-org-measure-notifyaggregatedmeasuredata-0-1.xsd');
    expect(XSD.main).toBe(RSM014_XSD);
  });

  withXsd('F1: every document validates, with the expected receivers', async () => {
    expect(f1Calc.calculationType).toBe('aggregation');
    // 5 grid-area types → MDR; 3 types × (3 suppliers × (DDQ + DDK) + 2 BRP sums → DDK)
    expect(f1Docs).toHaveLength(5 + 3 * (3 * 2 + 2));
    const count = (role: string) => f1Docs.filter((d) => d.receiver.role === role).length;
    expect([count('MDR'), count('DDQ'), count('DDK')]).toEqual([5, 9, 15]);
    await expectAllValid(f1Docs);
  });

  test('F1: total consumption to the grid area owner carries the scenario numbers and collapsed qualities', () => {
    const d = f1Docs.find((x) => x.timeSeriesType === 'total_consumption');
    expect(d?.receiver).toEqual({ id: '5790000000001', role: 'MDR' });
    // qualities: ['measured', 'calculated'] at 02:00 (→ omitted), then missing + others (→ A05)
    expect(pointsOf(d?.xml ?? '')).toEqual([
      { position: '1', quantity: '19.765', quality: undefined },
      { position: '2', quantity: '6.222', quality: 'A05' },
      { position: '3', quantity: '6.221', quality: 'A05' },
      { position: '4', quantity: '6.223', quality: 'A05' },
    ]);
    expect(text(d?.xml ?? '', 'createdDateTime')).toBe('2024-01-31T09:39:00Z');
  });

  withXsd('F1 results as every other calculation type also validate (D04, D05, D32 + settlement version)', async () => {
    // only the header's process type and the Series' settlement version differ from the F1
    // documents validated above, so one document per receiver role and type is enough (each
    // validation reloads the 660 kB code list: validating all 145 would take a minute)
    const sample: Rsm014Document[] = [];
    for (const t of CALCULATION_TYPES.filter((x) => x !== 'aggregation')) {
      const rows = f1Rows.map((r) => ({ ...r, calculation_type: t }));
      const docs = buildRsm014Documents(rows, { ...f1Calc, calculationType: t }, () => '5790000000001');
      expect(docs.filter((d) => d.receiver.role === 'DDK')).toHaveLength(t === 'balance_fixing' ? 15 : 0);
      expect(docs).toHaveLength(t === 'balance_fixing' ? 29 : 14);
      const roles = new Map(docs.map((d) => [d.receiver.role, d]));
      sample.push(...roles.values());
    }
    expect(sample).toHaveLength(3 + 2 * 4);
    expect(sample.filter((d) => d.xml.includes('<cim:settlement_Series.version>'))).toHaveLength(2 * 3);
    await expectAllValid(sample);
  });

  withXsd('hand-made documents (gaps, null quantity, every quality, EIC party) validate', async () => {
    const rows = rowsOf('first_correction_settlement', [
      ...engineLikeSpecs('first_correction_settlement'),
      {
        type: 'flex_consumption',
        level: 'energy_supplier',
        es: '10X1001A1001A248',
        brp: BRP1,
        points: [
          null,
          { q: '', qualities: ['missing'] },
          { q: '2.000', qualities: ['estimated'] },
          { q: '1.000', qualities: ['calculated'] },
        ],
      },
    ]);
    const docs = buildRsm014Documents(rows, calc('first_correction_settlement'), owner);
    expect(docs.length).toBeGreaterThan(0);
    await expectAllValid(docs);
  });

  describe('negative: a broken document is rejected (the validator really validates)', () => {
    const mutations: Array<[string, (xml: string) => string, RegExp]> = [
      [
        'seconds in timeInterval/start',
        (x) => x.replace(/<cim:start>(\d{4}-\d\d-\d\dT\d\d:\d\d)Z</, '<cim:start>$1:00Z<'),
        /start/,
      ],
      [
        'party id longer than 16 characters',
        (x) => x.replace(/(<cim:receiver_MarketParticipant\.mRID codingScheme="A10">)(\d+)</, '$1$2$2<'),
        /receiver_MarketParticipant\.mRID/,
      ],
      ['unknown role code', (x) => x.replace(/(marketRole\.type>)DGL</, '$1XYZ<'), /marketRole\.type/],
      ['unknown quality code', (x) => x.replace(/<cim:quality>A05</, '<cim:quality>Z99<'), /quality/],
      [
        'Series elements out of order',
        (x) =>
          x.replace(
            /(\s*<cim:product>[^<]*<\/cim:product>)(\s*<cim:quantity_Measure_Unit\.name>[^<]*<\/cim:quantity_Measure_Unit\.name>)/,
            '$2$1',
          ),
        /product|quantity_Measure_Unit/,
      ],
      ['grid area without codingScheme', (x) => x.replace(' codingScheme="NDK"', ''), /codingScheme/],
      ['position 0', (x) => x.replace('<cim:position>1<', '<cim:position>0<'), /position/],
    ];

    withXsd.each(mutations.map(([name, f, re]) => [name, f, re] as const))('%s', async (_name, mutate, expected) => {
      const d = f1Docs.find((x) => x.timeSeriesType === 'total_consumption') as Rsm014Document;
      const broken = mutate(d.xml);
      expect(broken).not.toBe(d.xml); // the mutation applied
      const r = (await validateAgainstXsd(XSD, [{ name: 'broken.xml', xml: broken }])).get('broken.xml');
      expect(r?.valid).toBe(false);
      expect(r?.errors.join('\n')).toMatch(expected);
      // the unmutated document is among the F1 documents that validate, so the failure is the mutation's
    });
  });
});

/**
 * eSett aggregated-data document (docs/esett.md): selection of the four result kinds (and
 * nothing for wholesale fixing / corrections), one document per grid area, exact quantities,
 * quality codes, exchange in/out domains, hourly aggregation of quarters before eSett's
 * 15-minute ISP, deterministic ids, XSD validation of every document built from hand-made rows
 * and from engine runs of every reference scenario, and negative cases proving the XSD strict.
 */
import path from 'node:path';
import { readScenarioArguments } from '../../shared/basis-data/scenario-source';
import { formatInstant } from '../../shared/domain/time';
import { calculateScenario } from '../../shared/calculation/energy/run';
import type { CalculationType } from '../../shared/domain/codes';
import {
  buildEsettDocuments,
  buildEsettMarketDocuments,
  esettDocumentId,
  esettDocumentResolution,
  EsettDocumentError,
  esettQuality,
  esettSchemaSet,
  esettSeriesKind,
  ESETT_XSD_FILE,
  parseResultQualities,
  selectEsettRows,
  type EsettDocument,
  type EsettDocumentMetadata,
  type EsettDocumentOptions,
  type EsettExchangeSeries,
  type EsettMarketDocument,
  type EsettSeries,
  type EsettSupplierSeries,
} from '../../shared/market-documents/esett';
import {
  assertValidXml,
  validateAgainstXsd,
  XsdValidationError,
  type XsdSchemaSet,
} from '../../shared/market-documents/xsd-validator';
import { ENERGY_RESULT_COLUMNS, type EnergyResultRow } from '../../shared/results/energy-result-row';
import { resultId } from '../../shared/results/result-id';
import { listScenarioDirs, readExpectedError, SCENARIOS_ROOT } from '../support/scenario-assert';
import { errorContaining, stringMatching } from '../support/matchers';

const ESETT_DIR = path.resolve(__dirname, '../../shared/market-documents/esett');
const SCHEMA: XsdSchemaSet = { main: ESETT_XSD_FILE, dir: ESETT_DIR };
/** eSett's id is configuration; an EIC here so the A01 coding scheme is exercised. */
const ESETT_ID = '44X-00000000004B';
const OPTIONS: EsettDocumentOptions = { receiver: ESETT_ID };

async function validationErrors(docs: ReadonlyArray<{ name: string; xml: string }>): Promise<string[]> {
  const results = await validateAgainstXsd(SCHEMA, docs);
  return [...results].flatMap(([name, r]) => (r.valid ? [] : [`${name}: ${r.errors.join(' | ')}`]));
}

async function expectAllValid(docs: readonly EsettDocument[]): Promise<void> {
  expect(await validationErrors(docs.map((d) => ({ name: `${d.gridAreaCode}.xml`, xml: d.xml })))).toEqual([]);
}

/** Errors for one (broken) document; [] when it validates. */
async function errorsOf(xml: string): Promise<string[]> {
  const r = (await validateAgainstXsd(SCHEMA, [{ name: 'broken.xml', xml }])).get('broken.xml');
  if (!r) throw new Error('no validation result');
  return r.errors;
}

// ---------------------------------------------------------------- hand-made results

const CALC_ID = '3f1c9a52-7d2e-4b8f-9c61-2a5e8d4b7f03';
const T0 = '2022-06-01T22:00:00Z';
const T1 = '2022-06-01T23:00:00Z';
const ES = '5790000000005';
const BRP = '5799000000002';
const ES_EIC = '11XSUPPLIER-0001';

interface RowSpec {
  type: string;
  level: string;
  ga: string;
  nb?: string;
  es?: string;
  brp?: string;
  mp?: string;
  time: string;
  q: string;
  qual: string;
  res?: string;
  calcType?: CalculationType;
  calcId?: string;
}

function row(s: RowSpec): EnergyResultRow {
  const calculationId = s.calcId ?? CALC_ID;
  return {
    calculation_id: calculationId,
    calculation_type: s.calcType ?? 'balance_fixing',
    time_series_type: s.type,
    aggregation_level: s.level,
    grid_area_code: s.ga,
    neighbor_grid_area_code: s.nb ?? '',
    energy_supplier_id: s.es ?? '',
    balance_responsible_party_id: s.brp ?? '',
    metering_point_id: s.mp ?? '',
    time: s.time,
    resolution: s.res ?? 'PT1H',
    quantity: s.q,
    quantity_qualities: s.qual,
    result_id: resultId({
      calculationId,
      timeSeriesType: s.type,
      aggregationLevel: s.level,
      gridAreaCode: s.ga,
      neighborGridAreaCode: s.nb ?? null,
      energySupplierId: s.es ?? null,
      balanceResponsiblePartyId: s.brp ?? null,
      meteringPointId: s.mp ?? null,
    }),
  };
}

const NE = 'net_exchange_per_neighboring_ga';
const NB = 'neighbor_grid_area';

/** Two hours of balance fixing in grid areas 800, 801 and 802 (802 has no eSett rows). */
function handRows(calcType: CalculationType = 'balance_fixing'): EnergyResultRow[] {
  const c = { calcType };
  return [
    // exchange: kept
    row({ ...c, type: NE, level: NB, ga: '800', nb: '801', time: T0, q: '10.000', qual: "['measured']" }),
    row({ ...c, type: NE, level: NB, ga: '800', nb: '801', time: T1, q: '-2.500', qual: "['missing', 'measured']" }),
    row({ ...c, type: NE, level: NB, ga: '800', nb: '802', time: T0, q: '0.000', qual: "['missing']" }),
    row({ ...c, type: NE, level: NB, ga: '800', nb: '802', time: T1, q: '1.250', qual: "['estimated', 'measured']" }),
    row({ ...c, type: NE, level: NB, ga: '801', nb: '800', time: T0, q: '-10.000', qual: "['measured']" }),
    row({ ...c, type: NE, level: NB, ga: '801', nb: '800', time: T1, q: '2.500', qual: "['missing', 'measured']" }),
    // self pair: always 0, not an exchange between two areas
    row({ ...c, type: NE, level: NB, ga: '800', nb: '800', time: T0, q: '0.000', qual: "['measured']" }),
    // per supplier: kept
    row({
      ...c,
      type: 'production',
      level: 'energy_supplier',
      ga: '800',
      es: ES,
      brp: BRP,
      time: T0,
      q: '3.043',
      qual: "['measured', 'calculated']",
    }),
    row({
      ...c,
      type: 'production',
      level: 'energy_supplier',
      ga: '800',
      es: ES,
      brp: BRP,
      time: T1,
      q: '0.000',
      qual: "['calculated']",
    }),
    row({
      ...c,
      type: 'non_profiled_consumption',
      level: 'energy_supplier',
      ga: '800',
      es: ES,
      brp: BRP,
      time: T0,
      q: '1.111',
      qual: "['measured']",
    }),
    row({
      ...c,
      type: 'non_profiled_consumption',
      level: 'energy_supplier',
      ga: '800',
      es: ES,
      brp: BRP,
      time: T1,
      q: '2.222',
      qual: '[]',
    }),
    row({
      ...c,
      type: 'non_profiled_consumption',
      level: 'energy_supplier',
      ga: '800',
      es: ES_EIC,
      time: T1,
      q: '123456789012345.678',
      qual: "['estimated']",
    }),
    row({
      ...c,
      type: 'flex_consumption',
      level: 'energy_supplier',
      ga: '800',
      es: ES,
      brp: BRP,
      time: T0,
      q: '15.000',
      qual: "['calculated']",
    }),
    row({
      ...c,
      type: 'flex_consumption',
      level: 'energy_supplier',
      ga: '800',
      es: ES,
      brp: BRP,
      time: T1,
      q: '14.999',
      qual: "['missing', 'calculated']",
    }),
    row({
      ...c,
      type: 'flex_consumption',
      level: 'energy_supplier',
      ga: '801',
      es: ES,
      brp: BRP,
      time: T0,
      q: '1.000',
      qual: "['measured']",
    }),
    // not for eSett: other levels and types
    row({
      ...c,
      type: 'production',
      level: 'balance_responsible_party',
      ga: '800',
      brp: BRP,
      time: T0,
      q: '3.043',
      qual: "['measured', 'calculated']",
    }),
    row({
      ...c,
      type: 'production',
      level: 'grid_area',
      ga: '800',
      time: T0,
      q: '3.043',
      qual: "['measured', 'calculated']",
    }),
    row({
      ...c,
      type: 'flex_consumption',
      level: 'grid_area',
      ga: '800',
      time: T0,
      q: '15.000',
      qual: "['calculated']",
    }),
    row({
      ...c,
      type: 'net_exchange_per_ga',
      level: 'grid_area',
      ga: '800',
      time: T0,
      q: '10.000',
      qual: "['missing', 'measured']",
    }),
    row({
      ...c,
      type: 'net_exchange_per_ga',
      level: 'grid_area',
      ga: '802',
      time: T0,
      q: '1.000',
      qual: "['measured']",
    }),
    row({
      ...c,
      type: 'total_consumption',
      level: 'grid_area',
      ga: '800',
      time: T0,
      q: '13.043',
      qual: "['measured', 'calculated']",
    }),
    row({ ...c, type: 'temp_production', level: 'grid_area', ga: '800', time: T0, q: '3.000', qual: "['measured']" }),
    row({ ...c, type: 'grid_loss', level: 'grid_area', ga: '800', time: T0, q: '0.043', qual: "['calculated']" }),
    row({
      ...c,
      type: 'positive_grid_loss',
      level: 'metering_point',
      ga: '800',
      es: ES,
      brp: BRP,
      mp: '170000000000000001',
      time: T0,
      q: '0.043',
      qual: "['calculated']",
    }),
  ];
}

function meta(calculationType: CalculationType = 'balance_fixing'): EsettDocumentMetadata {
  return {
    calculationId: CALC_ID,
    calculationType,
    period: { start: T0, end: '2022-06-02T00:00:00Z' },
    createdAt: '2022-06-03T08:05:30.123Z',
  };
}

function seriesOf(doc: EsettMarketDocument): EsettSeries[] {
  return doc.series;
}
function exchange(doc: EsettMarketDocument, out: string): EsettExchangeSeries {
  const s = doc.series.find((x): x is EsettExchangeSeries => x.kind === 'exchange' && x.outArea === out);
  if (!s) throw new Error(`no exchange series ${doc.gridAreaCode}/${out}`);
  return s;
}
function supplier(doc: EsettMarketDocument, kind: EsettSupplierSeries['kind'], es: string): EsettSupplierSeries {
  const s = doc.series.find((x): x is EsettSupplierSeries => x.kind === kind && x.energySupplier.id === es);
  if (!s) throw new Error(`no ${kind} series for ${es} in ${doc.gridAreaCode}`);
  return s;
}
const pts = (s: EsettSeries): Array<[number, string, string | null]> =>
  s.points.map((p) => [p.position, p.quantity, p.quality]);

// ---------------------------------------------------------------- quality and selection

describe('quality collapse (opengeh-wholesale §2.6)', () => {
  test.each([
    ["['missing']", 'A05'],
    ["['missing', 'measured']", 'A05'],
    ["['missing', 'estimated', 'measured', 'calculated']", 'A05'],
    ["['estimated']", 'A03'],
    ["['estimated', 'measured', 'calculated']", 'A03'],
    ["['measured']", null],
    ["['measured', 'calculated']", null],
    ["['calculated']", 'A06'],
    ['[]', 'A02'],
  ])('%s → %s', (text, code) => {
    expect(esettQuality(parseResultQualities(text))).toBe(code);
  });

  test('an unknown quality is rejected, not mapped to "not available"', () => {
    expect(() => parseResultQualities("['measured', 'guessed']")).toThrow(EsettDocumentError);
    expect(() => parseResultQualities('measured')).toThrow(EsettDocumentError);
  });
});

describe('selection', () => {
  test('exactly exchange per neighbour and production / non-profiled / flex per supplier', () => {
    const kinds = handRows().map(
      (r) =>
        `${r.time_series_type}/${r.aggregation_level}/${r.grid_area_code}${r.neighbor_grid_area_code}:${esettSeriesKind(r)}`,
    );
    expect(kinds.filter((k) => !k.endsWith(':null')).map((k) => k.split(':')[1])).toEqual([
      'exchange',
      'exchange',
      'exchange',
      'exchange',
      'exchange',
      'exchange',
      'production',
      'production',
      'non_profiled_consumption',
      'non_profiled_consumption',
      'non_profiled_consumption',
      'flex_consumption',
      'flex_consumption',
      'flex_consumption',
    ]);
    // the self pair and every other (type, level) is dropped
    expect(kinds).toContain(`${NE}/${NB}/800800:null`);
    for (const t of [
      'production/balance_responsible_party',
      'production/grid_area',
      'flex_consumption/grid_area',
      'net_exchange_per_ga/grid_area',
      'total_consumption/grid_area',
      'temp_production/grid_area',
      'grid_loss/grid_area',
      'positive_grid_loss/metering_point',
    ]) {
      expect(kinds.filter((k) => k.startsWith(`${t}/`)).every((k) => k.endsWith(':null'))).toBe(true);
    }
    expect(selectEsettRows(handRows())).toHaveLength(14);
  });

  test.each([
    'wholesale_fixing',
    'first_correction_settlement',
    'second_correction_settlement',
    'third_correction_settlement',
  ] as const)('%s produces no eSett documents even when its rows include exchange per neighbour', (t) => {
    const rows = handRows(t);
    expect(rows.some((r) => r.time_series_type === NE)).toBe(true);
    expect(selectEsettRows(rows)).toEqual([]);
    expect(buildEsettDocuments(rows, meta(t), OPTIONS)).toEqual([]);
  });

  test('balance fixing is D04, aggregation D03', () => {
    expect(buildEsettMarketDocuments(handRows(), meta(), OPTIONS)[0].processType).toBe('D04');
    expect(buildEsettMarketDocuments(handRows('aggregation'), meta('aggregation'), OPTIONS)[0].processType).toBe('D03');
  });
});

// ---------------------------------------------------------------- documents from hand-made rows

describe('documents from hand-made results (balance fixing, PT1H)', () => {
  const docs = buildEsettDocuments(handRows(), meta(), OPTIONS);
  const [d800, d801] = docs.map((d) => d.document);

  test('one document per grid area with eSett series; none for 802 (grid-area rows only)', () => {
    expect(docs.map((d) => d.gridAreaCode)).toEqual(['800', '801']);
    expect(seriesOf(d800).map((s) => s.kind)).toEqual([
      'exchange',
      'exchange',
      'production',
      'non_profiled_consumption',
      'non_profiled_consumption',
      'flex_consumption',
    ]);
    expect(seriesOf(d801).map((s) => s.kind)).toEqual(['exchange', 'flex_consumption']);
    for (const d of [d800, d801]) for (const s of d.series) expect(s.meteringGridArea).toBe(d.gridAreaCode);
  });

  test('header', () => {
    expect(d800).toMatchObject({
      type: 'E31',
      processType: 'D04',
      businessSector: '23',
      sender: { id: '5790001330552', codingScheme: 'A10' },
      senderRole: 'DGL',
      receiver: { id: ESETT_ID, codingScheme: 'A01' },
      receiverRole: 'DDX',
      createdDateTime: '2022-06-03T08:05:30Z',
    });
  });

  test('exchange: in = own grid area, out = neighbour, exact quantities and qualities', () => {
    const e801 = exchange(d800, '801');
    expect(e801).toMatchObject({
      inArea: '800',
      outArea: '801',
      marketEvaluationPointType: 'E20',
      settlementMethod: null,
      resolution: 'PT1H',
    });
    expect(e801.timeInterval).toEqual({ start: '2022-06-01T22:00Z', end: '2022-06-02T00:00Z' });
    expect(pts(e801)).toEqual([
      [1, '10.000', null],
      [2, '-2.500', 'A05'],
    ]);
    expect(pts(exchange(d800, '802'))).toEqual([
      [1, '0.000', 'A05'],
      [2, '1.250', 'A03'],
    ]);
    // the mirrored pair in the neighbour's document
    expect(exchange(d801, '800')).toMatchObject({ inArea: '801', outArea: '800' });
    expect(pts(exchange(d801, '800'))).toEqual([
      [1, '-10.000', null],
      [2, '2.500', 'A05'],
    ]);
  });

  test('per-supplier series: codes, parties, exact quantities and qualities', () => {
    const p = supplier(d800, 'production', ES);
    expect(p).toMatchObject({
      marketEvaluationPointType: 'E18',
      settlementMethod: null,
      energySupplier: { id: ES, codingScheme: 'A10' },
      balanceResponsibleParty: { id: BRP, codingScheme: 'A10' },
    });
    expect(pts(p)).toEqual([
      [1, '3.043', null],
      [2, '0.000', 'A06'],
    ]);
    const np = supplier(d800, 'non_profiled_consumption', ES);
    expect(np).toMatchObject({ marketEvaluationPointType: 'E17', settlementMethod: 'E02' });
    expect(pts(np)).toEqual([
      [1, '1.111', null],
      [2, '2.222', 'A02'],
    ]);
    // EIC supplier without BRP; only a point at the second hour; 15 integer digits kept exactly
    const npEic = supplier(d800, 'non_profiled_consumption', ES_EIC);
    expect(npEic).toMatchObject({ energySupplier: { id: ES_EIC, codingScheme: 'A01' }, balanceResponsibleParty: null });
    expect(pts(npEic)).toEqual([[2, '123456789012345.678', 'A03']]);
    const flex = supplier(d800, 'flex_consumption', ES);
    expect(flex).toMatchObject({ marketEvaluationPointType: 'E17', settlementMethod: 'E15' });
    expect(pts(flex)).toEqual([
      [1, '15.000', 'A06'],
      [2, '14.999', 'A05'],
    ]);
  });

  test('ids: series mRID = result_id, document mRID = uuid5(calculation, grid area, "esett")', () => {
    const byKey = new Map(
      handRows().map((r) => [
        `${r.time_series_type}|${r.grid_area_code}|${r.neighbor_grid_area_code}|${r.energy_supplier_id}`,
        r.result_id,
      ]),
    );
    expect(exchange(d800, '801').mRID).toBe(byKey.get(`${NE}|800|801|`));
    expect(supplier(d800, 'flex_consumption', ES).mRID).toBe(byKey.get(`flex_consumption|800||${ES}`));
    expect(d800.mRID).toBe(esettDocumentId(CALC_ID, '800'));
    // pinned: the id scheme is the sender's idempotency key, it must not drift between releases
    expect(esettDocumentId(CALC_ID, '800')).toBe(PINNED_DOCUMENT_ID_800);
    expect(esettDocumentId(CALC_ID, '801')).not.toBe(d800.mRID);
    expect(esettDocumentId('another-calculation', '800')).not.toBe(d800.mRID);
    expect(d800.mRID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  test('a redelivery gives byte-identical documents, whatever the row order', () => {
    const again = buildEsettDocuments([...handRows()].reverse(), meta(), OPTIONS);
    expect(again.map((d) => d.xml)).toEqual(docs.map((d) => d.xml));
    expect(again.map((d) => d.documentId)).toEqual(docs.map((d) => d.documentId));
  });

  test('XML of the small document, exactly', () => {
    expect(docs[1].xml).toBe(expectedXml801());
  });

  test('measured points have no <quality> element; others carry their code', () => {
    const xml = docs[0].xml;
    expect(xml).not.toContain('<cim:quality>A04</cim:quality>');
    expect(xml).toContain(
      '<cim:position>1</cim:position>\n        <cim:quantity>10.000</cim:quantity>\n      </cim:Point>',
    );
    expect(xml).toContain('<cim:quantity>-2.500</cim:quantity>\n        <cim:quality>A05</cim:quality>');
    // one <quality> per non-measured point of the document (A05 A05 A03 A06 A02 A03 A06 A05)
    expect(xml.match(/<cim:quality>/g)).toHaveLength(8);
  });

  test('every document validates against the XSD', async () => {
    await expectAllValid(docs);
    // the exported schema set points at the same folder
    expect(esettSchemaSet()).toEqual(SCHEMA);
  });
});

/** Written down once (and cross-checked with Python's uuid.uuid5); see the "ids" test. */
const PINNED_DOCUMENT_ID_800 = 'd4601f4a-e39d-5925-b93e-d973f33df95a';

/**
 * Golden XML of grid area 801 (reviewed by hand). The ids were cross-checked with Python's
 * uuid.uuid5: document = uuid5(0d08d8a9-…, "<calc>|801|esett"), series = the result ids.
 */
function expectedXml801(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<cim:ESettAggregatedData_MarketDocument xmlns:cim="urn:settlement-platform:esett:aggregateddata:1:0">
  <cim:mRID>fc177f87-b9ca-5e4a-b286-3e7f31c1def9</cim:mRID>
  <cim:type>E31</cim:type>
  <cim:process.processType>D04</cim:process.processType>
  <cim:businessSector.type>23</cim:businessSector.type>
  <cim:sender_MarketParticipant.mRID codingScheme="A10">5790001330552</cim:sender_MarketParticipant.mRID>
  <cim:sender_MarketParticipant.marketRole.type>DGL</cim:sender_MarketParticipant.marketRole.type>
  <cim:receiver_MarketParticipant.mRID codingScheme="A01">44X-00000000004B</cim:receiver_MarketParticipant.mRID>
  <cim:receiver_MarketParticipant.marketRole.type>DDX</cim:receiver_MarketParticipant.marketRole.type>
  <cim:createdDateTime>2022-06-03T08:05:30Z</cim:createdDateTime>
  <cim:Series>
    <cim:mRID>2c271906-5308-54d7-8fad-dc730c8dfe8f</cim:mRID>
    <cim:marketEvaluationPoint.type>E20</cim:marketEvaluationPoint.type>
    <cim:meteringGridArea_Domain.mRID codingScheme="NDK">801</cim:meteringGridArea_Domain.mRID>
    <cim:in_Domain.mRID codingScheme="NDK">801</cim:in_Domain.mRID>
    <cim:out_Domain.mRID codingScheme="NDK">800</cim:out_Domain.mRID>
    <cim:product>8716867000030</cim:product>
    <cim:quantity_Measure_Unit.name>KWH</cim:quantity_Measure_Unit.name>
    <cim:Period>
      <cim:resolution>PT1H</cim:resolution>
      <cim:timeInterval>
        <cim:start>2022-06-01T22:00Z</cim:start>
        <cim:end>2022-06-02T00:00Z</cim:end>
      </cim:timeInterval>
      <cim:Point>
        <cim:position>1</cim:position>
        <cim:quantity>-10.000</cim:quantity>
      </cim:Point>
      <cim:Point>
        <cim:position>2</cim:position>
        <cim:quantity>2.500</cim:quantity>
        <cim:quality>A05</cim:quality>
      </cim:Point>
    </cim:Period>
  </cim:Series>
  <cim:Series>
    <cim:mRID>9473c7e6-2979-5052-9945-f496de9c29b5</cim:mRID>
    <cim:marketEvaluationPoint.type>E17</cim:marketEvaluationPoint.type>
    <cim:marketEvaluationPoint.settlementMethod>E15</cim:marketEvaluationPoint.settlementMethod>
    <cim:meteringGridArea_Domain.mRID codingScheme="NDK">801</cim:meteringGridArea_Domain.mRID>
    <cim:energySupplier_MarketParticipant.mRID codingScheme="A10">5790000000005</cim:energySupplier_MarketParticipant.mRID>
    <cim:balanceResponsibleParty_MarketParticipant.mRID codingScheme="A10">5799000000002</cim:balanceResponsibleParty_MarketParticipant.mRID>
    <cim:product>8716867000030</cim:product>
    <cim:quantity_Measure_Unit.name>KWH</cim:quantity_Measure_Unit.name>
    <cim:Period>
      <cim:resolution>PT1H</cim:resolution>
      <cim:timeInterval>
        <cim:start>2022-06-01T22:00Z</cim:start>
        <cim:end>2022-06-02T00:00Z</cim:end>
      </cim:timeInterval>
      <cim:Point>
        <cim:position>1</cim:position>
        <cim:quantity>1.000</cim:quantity>
      </cim:Point>
    </cim:Period>
  </cim:Series>
</cim:ESettAggregatedData_MarketDocument>
`;
}

// ---------------------------------------------------------------- resolution

describe('resolution: quarters before eSett 15-minute ISP are summed to hours', () => {
  const ISP = Date.parse('2023-05-21T22:00:00Z');

  test('decision table', () => {
    const h = 3_600_000;
    expect(esettDocumentResolution('PT1H', ISP - 24 * h, ISP, ISP)).toBe('PT1H');
    expect(esettDocumentResolution('PT1H', ISP, ISP + 24 * h, ISP)).toBe('PT1H');
    expect(esettDocumentResolution('PT15M', ISP - 24 * h, ISP, ISP)).toBe('PT1H');
    expect(esettDocumentResolution('PT15M', ISP, ISP + 24 * h, ISP)).toBe('PT15M');
    expect(() => esettDocumentResolution('PT15M', ISP - h, ISP + h, ISP)).toThrow(
      /overlaps eSett's 15-minute settlement start 2023-05-21T22:00:00Z/,
    );
  });

  const Q = [
    '2023-03-01T10:00:00Z',
    '2023-03-01T10:15:00Z',
    '2023-03-01T10:30:00Z',
    '2023-03-01T10:45:00Z',
    '2023-03-01T11:00:00Z',
    '2023-03-01T11:15:00Z',
  ];
  const quarterMeta: EsettDocumentMetadata = {
    calculationId: CALC_ID,
    calculationType: 'aggregation',
    period: { start: '2023-03-01T10:00:00Z', end: '2023-03-01T12:00:00Z' },
    createdAt: '2023-03-02T00:00:00Z',
  };
  const quarterRows = (): EnergyResultRow[] => {
    const c = { calcType: 'aggregation' as const, res: 'PT15M' };
    return [
      // 1.111 + 2.222 + 3.333 + 4.445 = 11.111; all measured
      ...['1.111', '2.222', '3.333', '4.445'].map((q, i) =>
        row({ ...c, type: NE, level: NB, ga: '700', nb: '701', time: Q[i], q, qual: "['measured']" }),
      ),
      // negative net flow; one quarter missing → the hour is incomplete
      row({ ...c, type: NE, level: NB, ga: '700', nb: '701', time: Q[4], q: '-0.001', qual: "['measured']" }),
      row({ ...c, type: NE, level: NB, ga: '700', nb: '701', time: Q[5], q: '-1.062', qual: "['missing']" }),
      // 4 × 249999999999999.999 = 999999999999999.996: beyond a double's 15–16 significant digits
      ...Q.slice(0, 4).map((t) =>
        row({
          ...c,
          type: 'production',
          level: 'energy_supplier',
          ga: '700',
          es: ES,
          brp: BRP,
          time: t,
          q: '249999999999999.999',
          qual: "['calculated']",
        }),
      ),
      // the supplier starts at 10:30: the hour holds only its two quarters
      row({
        ...c,
        type: 'flex_consumption',
        level: 'energy_supplier',
        ga: '700',
        es: ES,
        brp: BRP,
        time: Q[2],
        q: '0.500',
        qual: "['estimated']",
      }),
      row({
        ...c,
        type: 'flex_consumption',
        level: 'energy_supplier',
        ga: '700',
        es: ES,
        brp: BRP,
        time: Q[3],
        q: '0.250',
        qual: "['measured']",
      }),
    ];
  };

  test('exact hourly sums in integer milli-kWh, union quality, positions per hour', async () => {
    const docs = buildEsettDocuments(quarterRows(), quarterMeta, OPTIONS);
    expect(docs).toHaveLength(1);
    const d = docs[0].document;
    for (const s of d.series) expect(s.resolution).toBe('PT1H');
    expect(pts(exchange(d, '701'))).toEqual([
      [1, '11.111', null],
      [2, '-1.063', 'A05'],
    ]);
    expect(pts(supplier(d, 'production', ES))).toEqual([[1, '999999999999999.996', 'A06']]);
    expect(pts(supplier(d, 'flex_consumption', ES))).toEqual([[1, '0.750', 'A03']]);
    await expectAllValid(docs);
  });

  test('after the ISP start the quarters are sent as they are (override of the start instant)', () => {
    const docs = buildEsettMarketDocuments(quarterRows(), quarterMeta, {
      ...OPTIONS,
      quarterHourIspStart: '2023-01-01T00:00:00Z',
    });
    const e = exchange(docs[0], '701');
    expect(e.resolution).toBe('PT15M');
    expect(pts(e)).toEqual([
      [1, '1.111', null],
      [2, '2.222', null],
      [3, '3.333', null],
      [4, '4.445', null],
      [5, '-0.001', null],
      [6, '-1.062', 'A05'],
    ]);
  });

  test('a quarterly period overlapping the ISP start is refused', () => {
    const m: EsettDocumentMetadata = {
      ...quarterMeta,
      period: { start: '2023-05-21T21:00:00Z', end: '2023-05-21T23:00:00Z' },
    };
    const r = row({
      calcType: 'aggregation',
      res: 'PT15M',
      type: NE,
      level: NB,
      ga: '700',
      nb: '701',
      time: '2023-05-21T21:00:00Z',
      q: '1.000',
      qual: "['measured']",
    });
    expect(() => buildEsettDocuments([r], m, OPTIONS)).toThrow(EsettDocumentError);
  });

  test('an hourly sum beyond decimal(18,3) is refused, not written', () => {
    const rows = Q.slice(0, 2).map((t) =>
      row({
        calcType: 'aggregation',
        res: 'PT15M',
        type: 'production',
        level: 'energy_supplier',
        ga: '700',
        es: ES,
        brp: BRP,
        time: t,
        q: '999999999999999.999',
        qual: "['measured']",
      }),
    );
    expect(() => buildEsettDocuments(rows, quarterMeta, OPTIONS)).toThrow(/exceeds decimal\(18,3\)/);
  });
});

// ---------------------------------------------------------------- input errors

describe('input that cannot become a correct document is refused', () => {
  const base = (): EnergyResultRow =>
    row({ type: NE, level: NB, ga: '800', nb: '801', time: T0, q: '1.000', qual: "['measured']" });
  test.each<[string, (r: EnergyResultRow) => void, RegExp]>([
    ['a row of another calculation', (r) => (r.calculation_id = 'other'), /calculation_id other/],
    ['a row of another calculation type', (r) => (r.calculation_type = 'aggregation'), /calculation_type aggregation/],
    ['a quantity with 4 decimals', (r) => (r.quantity = '1.0000'), /exactly 3 decimals/],
    ['a time outside the period', (r) => (r.time = '2022-06-02T00:00:00Z'), /not a PT1H slot/],
    ['a time off the resolution grid', (r) => (r.time = '2022-06-01T22:15:00Z'), /not a PT1H slot/],
    ['an unknown quality', (r) => (r.quantity_qualities = "['approximate']"), /unknown quality/],
    ['a malformed neighbour', (r) => (r.neighbor_grid_area_code = '8011'), /not 3 digits/],
    ['a result id that is not a UUID', (r) => (r.result_id = 'x'), /not a UUID/],
  ])('%s', (_name, breakIt, message) => {
    const r = base();
    breakIt(r);
    expect(() => buildEsettDocuments([r], meta(), OPTIONS)).toThrow(message);
  });

  test('the error points at the row and result at fault', () => {
    const thrown = (rows: EnergyResultRow[]): unknown => {
      try {
        buildEsettDocuments(rows, meta(), OPTIONS);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const bad = base();
    bad.quantity_qualities = "['approximate']";
    const err = thrown([base(), bad]);
    expect(err).toBeInstanceOf(EsettDocumentError);
    expect(err).toMatchObject({ row: 2, resultId: bad.result_id });
    expect(thrown([base(), base()])).toMatchObject({
      row: 2,
      resultId: base().result_id,
      message: stringMatching(/second point/),
    });
    expect(() => buildEsettDocuments([base()], meta(), { receiver: 'esett' })).toThrow(
      errorContaining({ row: null, resultId: null }),
    );
  });

  test('a supplier id that is neither GLN nor EIC', () => {
    const r = row({
      type: 'production',
      level: 'energy_supplier',
      ga: '800',
      es: 'ACME',
      brp: BRP,
      time: T0,
      q: '1.000',
      qual: "['measured']",
    });
    expect(() => buildEsettDocuments([r], meta(), OPTIONS)).toThrow(/neither a GLN/);
  });

  test('two points at one time in one series', () => {
    expect(() => buildEsettDocuments([base(), base()], meta(), OPTIONS)).toThrow(/second point/);
  });

  test('a receiver id that is neither GLN nor EIC, a period with seconds', () => {
    expect(() => buildEsettDocuments([base()], meta(), { receiver: 'esett' })).toThrow(/receiver/);
    expect(() =>
      buildEsettDocuments(
        [base()],
        { ...meta(), period: { start: '2022-06-01T22:00:30Z', end: '2022-06-02T00:00:00Z' } },
        OPTIONS,
      ),
    ).toThrow(/whole minutes/);
  });
});

// ---------------------------------------------------------------- the XSD is strict

describe('the XSD rejects broken documents', () => {
  const xml = buildEsettDocuments(handRows(), meta(), OPTIONS)[0].xml;

  test('the unbroken document is valid (baseline for the cases below)', async () => {
    expect(await errorsOf(xml)).toEqual([]);
  });

  test('assertValidXml passes a valid document and throws XsdValidationError for a broken one', async () => {
    await expect(assertValidXml(SCHEMA, 'ok.xml', xml)).resolves.toBeUndefined();
    const broken = xml.replace('<cim:position>1</cim:position>', '<cim:position>0</cim:position>');
    const err: unknown = await assertValidXml(SCHEMA, 'broken.xml', broken).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(XsdValidationError);
    const errors = await errorsOf(broken);
    expect(err).toMatchObject({
      documentName: 'broken.xml',
      schema: ESETT_XSD_FILE,
      errors,
      message: `broken.xml does not validate against ${ESETT_XSD_FILE}:\n${errors.join('\n')}`,
    });
  });

  const once =
    (from: string, to: string) =>
    (x: string): string =>
      x.replace(from, to);
  test.each<[string, (x: string) => string, RegExp]>([
    [
      'seconds in timeInterval start',
      once('<cim:start>2022-06-01T22:00Z</cim:start>', '<cim:start>2022-06-01T22:00:00Z</cim:start>'),
      /start/,
    ],
    [
      'a non-existent date in timeInterval end',
      once('<cim:end>2022-06-02T00:00Z</cim:end>', '<cim:end>2022-06-31T00:00Z</cim:end>'),
      /end/,
    ],
    [
      'a 4-decimal quantity',
      once('<cim:quantity>10.000</cim:quantity>', '<cim:quantity>10.0000</cim:quantity>'),
      /quantity/,
    ],
    [
      'a 2-decimal quantity',
      once('<cim:quantity>10.000</cim:quantity>', '<cim:quantity>10.00</cim:quantity>'),
      /quantity/,
    ],
    [
      'a quantity beyond decimal(18,3)',
      once('<cim:quantity>10.000</cim:quantity>', '<cim:quantity>1000000000000000.000</cim:quantity>'),
      /quantity/,
    ],
    [
      'quality A04 (measured is written by omission)',
      once('<cim:quality>A05</cim:quality>', '<cim:quality>A04</cim:quality>'),
      /quality/,
    ],
    ['an unknown quality code', once('<cim:quality>A05</cim:quality>', '<cim:quality>Z99</cim:quality>'), /quality/],
    [
      'an unknown process type (D05 is wholesale fixing)',
      once(
        '<cim:process.processType>D04</cim:process.processType>',
        '<cim:process.processType>D05</cim:process.processType>',
      ),
      /processType/,
    ],
    [
      'an unknown metering point type',
      once(
        '<cim:marketEvaluationPoint.type>E18</cim:marketEvaluationPoint.type>',
        '<cim:marketEvaluationPoint.type>D01</cim:marketEvaluationPoint.type>',
      ),
      /marketEvaluationPoint\.type/,
    ],
    [
      'settlement method D01 (eSett gets E15 for flex)',
      once(
        '<cim:marketEvaluationPoint.settlementMethod>E15</cim:marketEvaluationPoint.settlementMethod>',
        '<cim:marketEvaluationPoint.settlementMethod>D01</cim:marketEvaluationPoint.settlementMethod>',
      ),
      /settlementMethod/,
    ],
    [
      'receiver role other than DDX',
      once(
        '<cim:receiver_MarketParticipant.marketRole.type>DDX<',
        '<cim:receiver_MarketParticipant.marketRole.type>MDR<',
      ),
      /marketRole/,
    ],
    [
      'unit MWH',
      once('<cim:quantity_Measure_Unit.name>KWH<', '<cim:quantity_Measure_Unit.name>MWH<'),
      /quantity_Measure_Unit/,
    ],
    [
      'resolution PT60M',
      once('<cim:resolution>PT1H</cim:resolution>', '<cim:resolution>PT60M</cim:resolution>'),
      /resolution/,
    ],
    [
      'a 4-digit grid area',
      once(
        'codingScheme="NDK">800</cim:meteringGridArea_Domain.mRID>',
        'codingScheme="NDK">8000</cim:meteringGridArea_Domain.mRID>',
      ),
      /meteringGridArea_Domain/,
    ],
    [
      'a grid area without coding scheme',
      once(' codingScheme="NDK">800</cim:meteringGridArea_Domain.mRID>', '>800</cim:meteringGridArea_Domain.mRID>'),
      /codingScheme/,
    ],
    [
      'a 12-digit GLN',
      once(
        `>${ES}</cim:energySupplier_MarketParticipant.mRID>`,
        `>${ES.slice(1)}</cim:energySupplier_MarketParticipant.mRID>`,
      ),
      /energySupplier/,
    ],
    [
      'an upper-case mRID',
      (x) =>
        x.replace(/<cim:mRID>([0-9a-f-]+)<\/cim:mRID>/, (_m, id: string) => `<cim:mRID>${id.toUpperCase()}</cim:mRID>`),
      /mRID/,
    ],
    [
      'createdDateTime with a fraction',
      once('<cim:createdDateTime>2022-06-03T08:05:30Z<', '<cim:createdDateTime>2022-06-03T08:05:30.123Z<'),
      /createdDateTime/,
    ],
    [
      'createdDateTime with an offset',
      once('<cim:createdDateTime>2022-06-03T08:05:30Z<', '<cim:createdDateTime>2022-06-03T10:05:30+02:00<'),
      /createdDateTime/,
    ],
    ['position 0', once('<cim:position>1</cim:position>', '<cim:position>0</cim:position>'), /position/],
    [
      'a duplicate position',
      once('<cim:position>2</cim:position>', '<cim:position>1</cim:position>'),
      /UniquePointPosition|[Dd]uplicate/,
    ],
    [
      'a series with both in/out domains and a supplier',
      once(
        '</cim:out_Domain.mRID>',
        `</cim:out_Domain.mRID>\n      <cim:energySupplier_MarketParticipant.mRID codingScheme="A10">${ES}</cim:energySupplier_MarketParticipant.mRID>`,
      ),
      /energySupplier/,
    ],
    [
      'an exchange series without out_Domain',
      (x) => x.replace(/\s*<cim:out_Domain\.mRID[^>]*>801<\/cim:out_Domain\.mRID>/, ''),
      /product|out_Domain/,
    ],
    ['a document without Series', (x) => x.replace(/\s*<cim:Series>[\s\S]*<\/cim:Series>/, ''), /Series|Missing child/],
    [
      'a duplicate Series mRID',
      (x) => x.replace(/(<cim:Series>[\s\S]*?<\/cim:Series>)/, '$1\n  $1'),
      /UniqueSeriesMRID|[Dd]uplicate/,
    ],
    [
      'a foreign namespace',
      once('urn:settlement-platform:esett:aggregateddata:1:0', 'urn:ediel.org:measure:notifyaggregatedmeasuredata:0:1'),
      /ESettAggregatedData_MarketDocument|No matching global declaration/,
    ],
  ])('%s', async (_name, breakIt, message) => {
    const broken = breakIt(xml);
    expect(broken).not.toBe(xml); // the mutation applied, so a pass means the XSD caught it
    const errors = await errorsOf(broken);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });
});

// ---------------------------------------------------------------- engine runs

const scenario = (name: string): string => path.join(SCENARIOS_ROOT, name);

async function engineDocuments(
  dir: string,
  options: EsettDocumentOptions = OPTIONS,
): Promise<{ rows: EnergyResultRow[]; docs: EsettDocument[]; m: EsettDocumentMetadata }> {
  const args = await readScenarioArguments(dir);
  const rows = await calculateScenario(dir);
  const m: EsettDocumentMetadata = {
    calculationId: args.calculationId,
    calculationType: args.calculationType,
    period: { start: formatInstant(args.periodStart), end: formatInstant(args.periodEnd) },
    createdAt: formatInstant(args.executionTimeStart),
  };
  return { rows, docs: buildEsettDocuments(rows, m, options), m };
}

/** The test's own statement of the selection rule (not the implementation's). */
function isEsettRow(r: EnergyResultRow): boolean {
  if (r.calculation_type !== 'balance_fixing' && r.calculation_type !== 'aggregation') return false;
  if (r.aggregation_level === 'neighbor_grid_area')
    return r.time_series_type === NE && r.neighbor_grid_area_code !== r.grid_area_code;
  return (
    r.aggregation_level === 'energy_supplier' &&
    ['production', 'non_profiled_consumption', 'flex_consumption'].includes(r.time_series_type)
  );
}

/** The test's own statement of §2.6 on a row's quality text. */
function expectedQuality(text: string): string | null {
  if (text.includes("'missing'")) return 'A05';
  if (text.includes("'estimated'")) return 'A03';
  if (text.includes("'measured'")) return null;
  if (text.includes("'calculated'")) return 'A06';
  return 'A02';
}

/** Documents at the results' own resolution mirror the selected rows one point per row. */
function expectMirrorsRows(
  rows: readonly EnergyResultRow[],
  docs: readonly EsettDocument[],
  m: EsettDocumentMetadata,
): void {
  const selected = rows.filter(isEsettRow);
  expect(selected.length).toBeGreaterThan(0);
  const start = Date.parse(m.period.start);
  let points = 0;
  for (const d of docs) for (const s of d.document.series) points += s.points.length;
  expect(points).toBe(selected.length);
  for (const r of selected) {
    const doc = docs.find((d) => d.gridAreaCode === r.grid_area_code);
    const s = doc?.document.series.find((x) => x.mRID === r.result_id);
    if (!s)
      throw new Error(
        `no series ${r.result_id} (${r.time_series_type} ${r.grid_area_code}/${r.neighbor_grid_area_code}${r.energy_supplier_id}) in the documents`,
      );
    expect(s.resolution).toBe(r.resolution);
    const slot = r.resolution === 'PT15M' ? 900_000 : 3_600_000;
    const p = s.points.find((x) => x.position === (Date.parse(r.time) - start) / slot + 1);
    expect(p).toEqual({
      position: (Date.parse(r.time) - start) / slot + 1,
      quantity: r.quantity,
      quality: expectedQuality(r.quantity_qualities),
    });
    if (s.kind === 'exchange') expect([s.inArea, s.outArea]).toEqual([r.grid_area_code, r.neighbor_grid_area_code]);
    else
      expect([s.energySupplier.id, s.balanceResponsibleParty?.id ?? '']).toEqual([
        r.energy_supplier_id,
        r.balance_responsible_party_id,
      ]);
  }
}

describe('documents from engine runs', () => {
  test('case A (balance fixing, PT1H, exchange between three areas): one document per grid area, mirrored exchange', async () => {
    const { rows, docs, m } = await engineDocuments(scenario('case-a-net-exchange-per-neighbour'));
    expect(docs.map((d) => d.gridAreaCode)).toEqual(['101', '102', '103']);
    const kinds = (d: EsettDocument): string[] =>
      d.document.series.map((s) =>
        s.kind === 'exchange' ? `exchange ${s.inArea}<-${s.outArea}` : `${s.kind} ${s.energySupplier.id}`,
      );
    expect(kinds(docs[0])).toEqual([
      'exchange 101<-102',
      'exchange 101<-103',
      'production 8200000000101',
      'flex_consumption 8100000000101',
    ]);
    expect(kinds(docs[1])).toEqual(['exchange 102<-101', 'production 8200000000102', 'flex_consumption 8100000000102']);
    expect(kinds(docs[2])).toEqual(['exchange 103<-101', 'production 8200000000103', 'flex_consumption 8100000000103']);
    expect(pts(exchange(docs[0].document, '102'))).toEqual([
      [1, '10.000', null],
      [2, '10.000', null],
    ]);
    expect(pts(exchange(docs[1].document, '101'))).toEqual([
      [1, '-10.000', null],
      [2, '-10.000', null],
    ]);
    expect(pts(supplier(docs[0].document, 'flex_consumption', '8100000000101'))).toEqual([
      [1, '15.000', 'A06'],
      [2, '15.000', 'A06'],
    ]);
    expectMirrorsRows(rows, docs, m);
    await expectAllValid(docs);
  });

  test('F1 (aggregation, PT15M after the ISP start): 4 exchange + 3 × 3 supplier series at quarter resolution', async () => {
    const { rows, docs, m } = await engineDocuments(scenario('f1-minimal-energy'));
    expect(docs.map((d) => d.gridAreaCode)).toEqual(['800']);
    const d = docs[0].document;
    expect(d.processType).toBe('D03');
    expect(d.series.map((s) => s.kind)).toEqual([
      ...Array<string>(4).fill('exchange'),
      ...Array<string>(3).fill('production'),
      ...Array<string>(3).fill('non_profiled_consumption'),
      ...Array<string>(3).fill('flex_consumption'),
    ]);
    expect(d.series.filter((s): s is EsettExchangeSeries => s.kind === 'exchange').map((s) => s.outArea)).toEqual([
      '801',
      '802',
      '803',
      '804',
    ]);
    expect(pts(exchange(d, '804'))).toEqual([
      [1, '-0.279', null],
      [2, '-0.280', null],
      [3, '-0.279', null],
      [4, '-0.279', null],
    ]);
    expect(pts(supplier(d, 'flex_consumption', '1000000000000'))).toEqual([
      [1, '10.000', null],
      [2, '1.458', 'A05'],
      [3, '1.457', 'A05'],
      [4, '1.459', 'A05'],
    ]);
    expect(exchange(d, '801').timeInterval).toEqual({ start: '2023-07-02T02:00Z', end: '2023-07-02T03:00Z' });
    expectMirrorsRows(rows, docs, m);
    await expectAllValid(docs);
  });

  test('import-only / export-only areas (PT15M in March 2023, before the ISP start): quarters summed to exact hours', async () => {
    const { rows, docs } = await engineDocuments(scenario('bug-import-only-export-only'));
    expect(docs.map((d) => d.gridAreaCode)).toEqual(['720', '721']);
    const [d720, d721] = docs.map((d) => d.document);
    for (const s of [...d720.series, ...d721.series]) expect(s.resolution).toBe('PT1H');
    // 1.100 + 1.200 + 1.300 + 1.400; 4 × 1.875; −(1.063 + 1.062 + 1.063 + 1.062); 2.163 + 2.262 + 2.363 + 2.462
    expect(pts(exchange(d720, '721'))).toEqual([[1, '5.000', null]]);
    expect(pts(exchange(d720, '729'))).toEqual([[1, '7.500', null]]);
    expect(pts(exchange(d721, '729'))).toEqual([[1, '-4.250', null]]);
    expect(pts(supplier(d721, 'production', '5790000000011'))).toEqual([[1, '9.250', 'A06']]);
    expect(pts(supplier(d720, 'flex_consumption', '5790000000011'))).toEqual([[1, '12.500', 'A06']]);
    // and in general: every hour is the exact sum of its quarter rows
    for (const r of rows.filter(isEsettRow)) {
      const s = docs
        .find((d) => d.gridAreaCode === r.grid_area_code)
        ?.document.series.find((x) => x.mRID === r.result_id);
      expect(s).toBeDefined();
    }
    const sums = new Map<string, bigint>();
    for (const r of rows.filter(isEsettRow))
      sums.set(r.result_id, (sums.get(r.result_id) ?? 0n) + BigInt(r.quantity.replace('.', '')));
    for (const d of docs)
      for (const s of d.document.series) expect(BigInt(s.points[0].quantity.replace('.', ''))).toBe(sums.get(s.mRID));
    await expectAllValid(docs);
  });

  test('exchange edge cases: the 800/800 self pair is left out; a neighbour without readings is 0.000 A05', async () => {
    const { rows, docs } = await engineDocuments(scenario('exchange-edge-cases'));
    expect(
      rows.some((r) => r.time_series_type === NE && r.grid_area_code === '800' && r.neighbor_grid_area_code === '800'),
    ).toBe(true);
    const d = docs[0].document;
    expect(
      d.series.filter((s): s is EsettExchangeSeries => s.kind === 'exchange').map((s) => [s.inArea, s.outArea]),
    ).toEqual([
      ['800', '803'],
      ['800', '805'],
    ]);
    expect(pts(exchange(d, '805'))).toEqual([[1, '0.000', 'A05']]);
    expect(pts(exchange(d, '803'))).toEqual([[1, '2.500', null]]);
    await expectAllValid(docs);
  });

  test('wholesale fixing run: no eSett documents', async () => {
    const { rows, docs } = await engineDocuments(scenario('wholesale-fixing-no-brp-or-neighbour'));
    expect(rows.some((r) => r.aggregation_level === 'energy_supplier')).toBe(true);
    expect(docs).toEqual([]);
  });

  test('every scenario: every document validates; D03/D04 scenarios give one document per grid area with eSett rows', async () => {
    const dirs = listScenarioDirs().filter((dir) => readExpectedError(dir) === null);
    expect(dirs.length).toBeGreaterThan(10);
    const failures: string[] = [];
    let documents = 0;
    for (const dir of dirs) {
      const { rows, docs } = await engineDocuments(dir);
      const areas = [...new Set(rows.filter(isEsettRow).map((r) => r.grid_area_code))].sort();
      expect(docs.map((d) => d.gridAreaCode)).toEqual(areas);
      // a second build (a redelivered event) is byte-identical
      expect((await engineDocuments(dir)).docs.map((d) => d.xml)).toEqual(docs.map((d) => d.xml));
      const errors = await validationErrors(
        docs.map((d) => ({ name: `${path.basename(dir)}/${d.gridAreaCode}.xml`, xml: d.xml })),
      );
      failures.push(...errors);
      documents += docs.length;
    }
    expect(failures).toEqual([]);
    expect(documents).toBeGreaterThan(15);
  });
});

test('the row type used here is the committed result contract', () => {
  expect(Object.keys(handRows()[0]).sort()).toEqual([...ENERGY_RESULT_COLUMNS].sort());
});

/**
 * Serialises an eSett document model to XML in the element order of the XSD in this folder
 * (urn-settlement-platform-esett-aggregateddata-1-0.xsd). Output is deterministic (fixed
 * order, fixed indentation, no timestamps of its own), so equal models give equal bytes.
 */
import { ESETT_NAMESPACE, ESETT_PRODUCT, ESETT_ROOT_ELEMENT, ESETT_UNIT, GRID_AREA_CODING_SCHEME } from './esett-codes';
import type { EsettMarketDocument, EsettSeries } from './esett-model';

const PREFIX = 'cim';

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

class XmlLines {
  readonly lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  private depth = 0;

  open(name: string, attrs = ''): void {
    this.lines.push(`${'  '.repeat(this.depth)}<${PREFIX}:${name}${attrs}>`);
    this.depth++;
  }

  close(name: string): void {
    this.depth--;
    this.lines.push(`${'  '.repeat(this.depth)}</${PREFIX}:${name}>`);
  }

  leaf(name: string, value: string, attrs: Record<string, string> = {}): void {
    const a = Object.entries(attrs)
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
    this.lines.push(`${'  '.repeat(this.depth)}<${PREFIX}:${name}${a}>${escapeXml(value)}</${PREFIX}:${name}>`);
  }
}

function writeSeries(x: XmlLines, s: EsettSeries): void {
  x.open('Series');
  x.leaf('mRID', s.mRID);
  x.leaf('marketEvaluationPoint.type', s.marketEvaluationPointType);
  if (s.settlementMethod !== null) x.leaf('marketEvaluationPoint.settlementMethod', s.settlementMethod);
  x.leaf('meteringGridArea_Domain.mRID', s.meteringGridArea, { codingScheme: GRID_AREA_CODING_SCHEME });
  if (s.kind === 'exchange') {
    x.leaf('in_Domain.mRID', s.inArea, { codingScheme: GRID_AREA_CODING_SCHEME });
    x.leaf('out_Domain.mRID', s.outArea, { codingScheme: GRID_AREA_CODING_SCHEME });
  } else {
    x.leaf('energySupplier_MarketParticipant.mRID', s.energySupplier.id, {
      codingScheme: s.energySupplier.codingScheme,
    });
    if (s.balanceResponsibleParty) {
      x.leaf('balanceResponsibleParty_MarketParticipant.mRID', s.balanceResponsibleParty.id, {
        codingScheme: s.balanceResponsibleParty.codingScheme,
      });
    }
  }
  x.leaf('product', ESETT_PRODUCT);
  x.leaf('quantity_Measure_Unit.name', ESETT_UNIT);
  x.open('Period');
  x.leaf('resolution', s.resolution);
  x.open('timeInterval');
  x.leaf('start', s.timeInterval.start);
  x.leaf('end', s.timeInterval.end);
  x.close('timeInterval');
  for (const p of s.points) {
    x.open('Point');
    x.leaf('position', String(p.position));
    x.leaf('quantity', p.quantity);
    // measured (A04) is expressed by leaving the element out, as in RSM-014
    if (p.quality !== null) x.leaf('quality', p.quality);
    x.close('Point');
  }
  x.close('Period');
  x.close('Series');
}

export function esettDocumentXml(doc: EsettMarketDocument): string {
  const steps = documentLines(doc);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** esettDocumentXml, awaiting `pause` after each series: a large document is many short steps. */
export async function esettDocumentXmlPausing(doc: EsettMarketDocument, pause: () => Promise<void>): Promise<string> {
  const steps = documentLines(doc);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await pause();
  }
}

function* documentLines(doc: EsettMarketDocument): Generator<void, string, undefined> {
  const x = new XmlLines();
  x.open(ESETT_ROOT_ELEMENT, ` xmlns:${PREFIX}="${ESETT_NAMESPACE}"`);
  x.leaf('mRID', doc.mRID);
  x.leaf('type', doc.type);
  x.leaf('process.processType', doc.processType);
  x.leaf('businessSector.type', doc.businessSector);
  x.leaf('sender_MarketParticipant.mRID', doc.sender.id, { codingScheme: doc.sender.codingScheme });
  x.leaf('sender_MarketParticipant.marketRole.type', doc.senderRole);
  x.leaf('receiver_MarketParticipant.mRID', doc.receiver.id, { codingScheme: doc.receiver.codingScheme });
  x.leaf('receiver_MarketParticipant.marketRole.type', doc.receiverRole);
  x.leaf('createdDateTime', doc.createdDateTime);
  for (const s of doc.series) {
    writeSeries(x, s);
    yield;
  }
  x.close(ESETT_ROOT_ELEMENT);
  return `${x.lines.join('\n')}\n`;
}

import { QUALITIES, type Quality } from '../../domain/codes';
import type { EsettQualityCode } from './esett-codes';
import { EsettDocumentError } from './esett-errors';

const KNOWN: ReadonlySet<string> = new Set(QUALITIES);

/**
 * Parses a result row's `quantity_qualities` (`['missing', 'measured']`). Unlike
 * `parseQualities` in shared/domain/codes.ts it rejects unknown names: a quality we cannot
 * classify must not silently become "not available" in a document sent to eSett.
 */
export function parseResultQualities(text: string): Set<Quality> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) throw new EsettDocumentError(`quantity_qualities ${JSON.stringify(text)} is not a list like ['measured']`);
  const inner = trimmed.slice(1, -1).trim();
  const out = new Set<Quality>();
  if (inner === '') return out;
  for (const part of inner.split(',')) {
    const name = part.trim().replace(/^'(.*)'$/, '$1');
    if (!KNOWN.has(name)) throw new EsettDocumentError(`unknown quality ${JSON.stringify(name)} in quantity_qualities ${JSON.stringify(text)}`);
    out.add(name as Quality);
  }
  return out;
}

/**
 * One CIM quality for an aggregated point from the set of its contributing qualities, in the
 * order of opengeh-wholesale §2.6 (EDI's CalculatedQuantityQualityMapper):
 *   only missing → A05; missing with others → A05 (incomplete); estimated → A03;
 *   measured → A04, returned as null because A04 is written by omitting `<quality>`;
 *   calculated → A06; nothing → A02 (not available).
 * Kept in this folder on purpose: the RSM-014 writer has its own copy for now (to be deduplicated).
 */
export function esettQuality(qualities: ReadonlySet<Quality>): EsettQualityCode | null {
  if (qualities.has('missing')) return 'A05';
  if (qualities.has('estimated')) return 'A03';
  if (qualities.has('measured')) return null;
  if (qualities.has('calculated')) return 'A06';
  return 'A02';
}

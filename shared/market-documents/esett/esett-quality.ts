import { QUALITIES, type Quality } from '../../domain/codes';
import type { EsettQualityCode } from './esett-codes';
import { EsettDocumentError } from './esett-errors';
import { collapseQuality } from '../rsm014/codes';

const KNOWN: ReadonlySet<string> = new Set(QUALITIES);

/**
 * Parses a result row's `quantity_qualities` (`['missing', 'measured']`). Unlike
 * `parseQualities` in shared/domain/codes.ts it rejects unknown names: a quality we cannot
 * classify must not silently become "not available" in a document sent to eSett.
 */
export function parseResultQualities(text: string): Set<Quality> {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']'))
    throw new EsettDocumentError(`quantity_qualities ${JSON.stringify(text)} is not a list like ['measured']`);
  const inner = trimmed.slice(1, -1).trim();
  const out = new Set<Quality>();
  if (inner === '') return out;
  for (const part of inner.split(',')) {
    const name = part.trim().replace(/^'(.*)'$/, '$1');
    if (!KNOWN.has(name))
      throw new EsettDocumentError(
        `unknown quality ${JSON.stringify(name)} in quantity_qualities ${JSON.stringify(text)}`,
      );
    out.add(name as Quality);
  }
  return out;
}

/**
 * One CIM quality for an aggregated point (opengeh-wholesale §2.6): the same collapse as the
 * RSM-014 documents (null = measured, written by omitting `<quality>`).
 */
export function esettQuality(qualities: ReadonlySet<Quality>): EsettQualityCode | null {
  return collapseQuality(qualities);
}

/**
 * RSM-014 CIM XML text. Elements are written in the XSD's sequence order (an out-of-order
 * element is a schema error, not a style issue) with the `cim` prefix EDI uses.
 */
import { Rsm014InputError } from './errors';

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

// Characters XML 1.0 cannot carry at all, escaped or not (C0 controls except TAB/LF/CR, lone
// surrogates, U+FFFE/U+FFFF).
const NOT_XML_CHAR =
  // eslint-disable-next-line no-control-regex -- the control characters XML 1.0 forbids are exactly what this matches
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Escapes text for element content and (double- or single-quoted) attribute values. */
export function escapeXml(text: string): string {
  if (NOT_XML_CHAR.test(text))
    throw new Rsm014InputError(`${JSON.stringify(text)} contains a character XML cannot represent`);
  return text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);
}

/** `YYYY-MM-DDTHH:MMZ` (the XSD's YMDHM_DateTime has no seconds); refuses instants with seconds rather than truncating them. */
export function formatYmdhm(ms: number): string {
  if (!Number.isFinite(ms) || ms % 60_000 !== 0)
    throw new Rsm014InputError(
      `${Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms)} is not on a whole minute`,
    );
  return new Date(ms).toISOString().slice(0, 16) + 'Z';
}

/** xs:dateTime without fractional seconds, e.g. `2024-01-31T09:39:00Z`. */
export function formatDateTime(ms: number): string {
  if (!Number.isFinite(ms)) throw new Rsm014InputError(`createdAt ${String(ms)} is not an instant`);
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** A tiny writer: each element on its own line, indented, every text and attribute escaped. */
export class XmlLines {
  private readonly lines: string[] = [];
  private depth = 0;

  constructor(declaration = true) {
    if (declaration) this.lines.push('<?xml version="1.0" encoding="UTF-8"?>');
  }

  open(name: string, attrs: Readonly<Record<string, string>> = {}): this {
    this.lines.push(`${'  '.repeat(this.depth)}<${name}${attributes(attrs)}>`);
    this.depth++;
    return this;
  }

  close(name: string): this {
    this.depth--;
    this.lines.push(`${'  '.repeat(this.depth)}</${name}>`);
    return this;
  }

  leaf(name: string, text: string, attrs: Readonly<Record<string, string>> = {}): this {
    this.lines.push(`${'  '.repeat(this.depth)}<${name}${attributes(attrs)}>${escapeXml(text)}</${name}>`);
    return this;
  }

  /** Writes the element only when there is a value (0..1 elements that are absent, not empty). */
  optional(name: string, text: string | null, attrs: Readonly<Record<string, string>> = {}): this {
    return text === null ? this : this.leaf(name, text, attrs);
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

function attributes(attrs: Readonly<Record<string, string>>): string {
  return Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
}

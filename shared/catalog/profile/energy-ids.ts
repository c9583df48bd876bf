/**
 * This domain's identifiers and spatial keys, as the profiler recognises them in a column's
 * values: GSRN metering point ids, GLN and EIC party ids (each with its check digit, so an
 * 18-digit counter is not mistaken for a metering point), price areas, Danish regions, units.
 */

/** GS1 mod-10 check digit over every digit but the last (weights 3,1,3,… from the right). */
export function gs1CheckDigitOk(digits: string): boolean {
  let sum = 0;
  const body = digits.length - 1;
  for (let i = 0; i < body; i++) sum += (digits.charCodeAt(body - 1 - i) - 48) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(body) - 48;
}

/** A metering point id: 18 digits, GS1 prefix 57 (Denmark), valid check digit. */
export const isGsrn = (v: string): boolean => /^57\d{16}$/.test(v) && gs1CheckDigitOk(v);

/** A market party GLN: 13 digits with a valid GS1 check digit. */
export const isGln = (v: string): boolean => /^\d{13}$/.test(v) && gs1CheckDigitOk(v);

const EIC_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-';

/**
 * An ENTSO-E Energy Identification Code: 16 characters, the last a check character computed
 * from the first 15 (values 0–36, weights 16…2, check = 36 − ((sum − 1) mod 37); '-' is never a
 * valid check character).
 */
export function isEic(v: string): boolean {
  if (!/^[0-9]{2}[A-Z0-9-]{13}[A-Z0-9]$/.test(v)) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) sum += EIC_ALPHABET.indexOf(v[i]) * (16 - i);
  const check = 36 - ((sum - 1) % 37);
  return check < 36 && EIC_ALPHABET[check] === v[15];
}

/** Bidding zones (price areas) by name, and the EIC area codes of the ones this market trades with. */
export const PRICE_AREAS: ReadonlySet<string> = new Set([
  'DK1',
  'DK2',
  'DE',
  'DE-LU',
  'NO1',
  'NO2',
  'NO3',
  'NO4',
  'NO5',
  'SE1',
  'SE2',
  'SE3',
  'SE4',
  'FI',
  'NL',
  'PL',
  'SYS',
]);
export const PRICE_AREA_BY_EIC: ReadonlyMap<string, string> = new Map([
  ['10YDK-1--------W', 'DK1'],
  ['10YDK-2--------M', 'DK2'],
  ['10Y1001A1001A82H', 'DE-LU'],
  ['10YNO-2--------T', 'NO2'],
  ['10Y1001A1001A46L', 'SE3'],
  ['10Y1001A1001A47J', 'SE4'],
]);

/** The price area a value names (`dk1`, `DE-LU`, or its EIC), or null. */
export function priceAreaOf(v: string): string | null {
  const up = v.trim().toUpperCase();
  if (PRICE_AREAS.has(up)) return up;
  return PRICE_AREA_BY_EIC.get(up) ?? null;
}

/** Denmark's five regions: names (with or without "Region"), ISO 3166-2 codes and the DK region numbers 1081–1085. */
const REGIONS: ReadonlyArray<{ name: string; aliases: string[] }> = [
  { name: 'Nordjylland', aliases: ['nordjylland', 'north denmark', 'dk-81', '1081'] },
  { name: 'Midtjylland', aliases: ['midtjylland', 'central denmark', 'dk-82', '1082'] },
  { name: 'Syddanmark', aliases: ['syddanmark', 'southern denmark', 'dk-83', '1083'] },
  { name: 'Hovedstaden', aliases: ['hovedstaden', 'capital region', 'capital region of denmark', 'dk-84', '1084'] },
  { name: 'Sjælland', aliases: ['sjælland', 'sjaelland', 'zealand', 'dk-85', '1085'] },
];
const REGION_BY_ALIAS: ReadonlyMap<string, string> = new Map(
  REGIONS.flatMap((r) => r.aliases.map((a) => [a, r.name] as const)),
);

/** The region a value names, or null. Bare numbers count only when `numbersAllowed` (a column named like a region). */
export function regionOf(v: string, numbersAllowed: boolean): string | null {
  const key = v
    .trim()
    .toLowerCase()
    .replace(/^region\s+/, '');
  if (/^\d+$/.test(key) && !numbersAllowed) return null;
  return REGION_BY_ALIAS.get(key) ?? null;
}

/** Units a quantity may carry, by their spelling in lower case. */
const UNITS: ReadonlyMap<string, string> = new Map([
  ['wh', 'Wh'],
  ['kwh', 'kWh'],
  ['mwh', 'MWh'],
  ['gwh', 'GWh'],
  ['w', 'W'],
  ['kw', 'kW'],
  ['mw', 'MW'],
  ['gw', 'GW'],
  ['kvarh', 'kVArh'],
  ['dkk', 'DKK'],
  ['eur', 'EUR'],
  ['øre', 'øre'],
  ['ore', 'øre'],
  ['dkk/kwh', 'DKK/kWh'],
  ['dkk/mwh', 'DKK/MWh'],
  ['eur/mwh', 'EUR/MWh'],
  ['øre/kwh', 'øre/kWh'],
]);
export const unitOf = (token: string): string | null => UNITS.get(token.toLowerCase()) ?? null;

/** The unit a column name carries as its last token (`quantity_kwh`, `SpotPriceDKK`, `Load (MW)`), or null. */
export function unitFromName(tokens: readonly string[]): string | null {
  for (let i = tokens.length - 1; i >= Math.max(0, tokens.length - 2); i--) {
    const u = unitOf(tokens[i]);
    if (u !== null && !(u === 'W' && tokens.length === 1)) return u;
  }
  return null;
}

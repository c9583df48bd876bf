/**
 * Who is calling: the validated claims of an Entra ID access token, reduced to what
 * authorisation needs. DataHub's market roles are the app registration's app roles.
 */

export const MARKET_ROLES = [
  'datahub_administrator',
  'grid_access_provider',
  'energy_supplier',
  'balance_responsible_party',
] as const;
export type MarketRole = (typeof MARKET_ROLES)[number];

/** GLN (13 digits) or EIC (16 characters) of a market actor. */
export const ACTOR_NUMBER_RE = /^(\d{13}|[0-9A-Z-]{16})$/;

/**
 * Default name of the claim carrying the caller's market actor number. Entra emits it as an
 * optional claim from a directory extension (or a claims-mapping policy); the claim name is a
 * setting (AUTH_ACTOR_CLAIM) because an extension claim's name embeds the app id.
 */
export const DEFAULT_ACTOR_CLAIM = 'datahub_actor_number';

export interface Caller {
  /** Token `oid` (Entra object id, stable across apps) or else `sub`. Becomes createdByUserId. */
  subject: string;
  /** Market roles from the `roles` claim (unknown app roles are dropped). */
  roles: MarketRole[];
  /** GLN/EIC of the market actor the caller acts for; null only for administrators without one. */
  actorNumber: string | null;
}

export const isAdministrator = (c: Caller): boolean => c.roles.includes('datahub_administrator');

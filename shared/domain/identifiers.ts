/**
 * The shapes of the domain's identifiers, written once. Validators everywhere (zod schemas,
 * CSV/Parquet readers, event decoding, HTTP parameters) use these instead of their own regex.
 */

/** A grid area code: exactly three digits (`804`). */
export const GRID_AREA_CODE_RE = /^\d{3}$/;
/** A metering point id: an 18-digit GSRN. */
export const GSRN_RE = /^\d{18}$/;

/**
 * Jest's asymmetric matchers, typed as the values they stand in for. @types/jest declares them
 * `any`, which switches off type checking wherever one is put (an expected object, a toThrow
 * argument); at run time these are exactly the `expect.*` matchers.
 */

export const anyString = (): string => expect.any(String) as string;

export const stringMatching = (pattern: string | RegExp): string => expect.stringMatching(pattern) as string;

export const stringContaining = (text: string): string => expect.stringContaining(text) as string;

export const objectContaining = <T extends object>(fields: T): T => expect.objectContaining(fields) as T;

/**
 * `expect.objectContaining(fields)` for `toThrow`, which matches the thrown value against an
 * asymmetric matcher although @types/jest only admits a string, RegExp, class or Error there.
 */
export const errorContaining = (fields: Record<string, unknown>): Error => expect.objectContaining(fields) as Error;

/**
 * Errors quote the input they reject so the caller can find it, but never all of it: a 50 MB
 * invalid body once came back as a 52 MB error (issue 12). Every echo goes through excerpt().
 */
export const EXCERPT_CHARS = 200;

/** `text` when short, else its first EXCERPT_CHARS characters and how many were left out. */
export function excerpt(text: string, max: number = EXCERPT_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}

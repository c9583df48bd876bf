/**
 * The error body of every HTTP function (functions/http/responses.ts `problem`): a title, the
 * status, and for bad input the list of issues, each naming the field (zod path) and the rule.
 */
import { z } from 'zod';

/** More problems than this in one response are not worth listing (and would grow the response). */
export const MAX_PROBLEM_ERRORS = 50;

export const issueSchema = z.object({
  path: z.string().meta({ description: "The field at fault (zod path, e.g. 'gridAreas.1', 'row 12.quantity')" }),
  message: z.string().meta({ description: 'The rule it broke; quotes the input only as an excerpt (≤ 200 chars)' }),
});
export type Issue = z.output<typeof issueSchema>;

export const problemSchema = z
  .object({
    title: z.string(),
    status: z.number().int(),
    errors: z.array(issueSchema).max(MAX_PROBLEM_ERRORS).optional(),
  })
  .meta({ description: 'An error: title, status and (for bad input) the issue list' });
export type Problem = z.output<typeof problemSchema>;

/** Turns zod issues into the problem's issue list (the path joined with dots, as KickStartJob always did). */
export function issuesOf(error: z.ZodError, root = '(query)'): Issue[] {
  return error.issues.map((i) => ({ path: i.path.join('.') || root, message: i.message }));
}

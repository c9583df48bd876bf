/** A plain-text table: first column left-aligned, the others right-aligned (benchmark output). */
export function printTable(rows: string[][], log: (s: string) => void): void {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) log(r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
}

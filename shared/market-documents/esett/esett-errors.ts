/**
 * Input that cannot become a correct eSett document (rows of another calculation, a malformed
 * quantity, a supplier id that is neither GLN nor EIC, …). Thrown instead of writing a
 * document eSett would misread: the sender dead-letters the message and a person looks.
 */
export class EsettDocumentError extends Error {
  /** 1-based index of the offending result row, when one row is at fault. */
  readonly row: number | null;
  /** The result (series) at fault, when known. */
  readonly resultId: string | null;

  constructor(message: string, where: { row?: number; resultId?: string } = {}) {
    super(message);
    this.name = 'EsettDocumentError';
    this.row = where.row ?? null;
    this.resultId = where.resultId === undefined || where.resultId === '' ? null : where.resultId;
  }
}

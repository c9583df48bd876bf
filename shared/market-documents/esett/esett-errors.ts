/**
 * Input that cannot become a correct eSett document (rows of another calculation, a malformed
 * quantity, a supplier id that is neither GLN nor EIC, …). Thrown instead of writing a
 * document eSett would misread: the sender dead-letters the message and a person looks.
 */
export class EsettDocumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EsettDocumentError';
  }
}

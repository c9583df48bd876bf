/**
 * Growable UTF-8 output buffer for large CSV files. Quantities are written digit by digit from
 * their milli integer, so formatting a point creates no string and goes through no float
 * division that could round (`12345` → `12.345`, `-5` → `-0.005`).
 */
export class ByteWriter {
  private buf: Buffer;
  private len = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.len;
  }

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + extra));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  text(s: string): void {
    this.ensure(s.length * 3); // a UTF-16 code unit is at most 3 UTF-8 bytes
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  byte(b: number): void {
    if (this.len === this.buf.length) this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** An integer number of thousandths as a decimal with exactly 3 decimals. */
  milli(v: number): void {
    if (!Number.isSafeInteger(v)) throw new RangeError(`quantity ${v} is not an exact integer of milli-kWh`);
    this.ensure(24);
    const buf = this.buf;
    let pos = this.len;
    let a = v;
    if (a < 0) {
      buf[pos++] = 0x2d; // '-'
      a = -a;
    }
    const frac = a % 1000;
    // (a - frac) is a multiple of 1000 (and x - x % 10 of 10), so these divisions are exact.
    let int = (a - frac) / 1000;
    let digits = 1;
    for (let x = int; x >= 10; x = (x - (x % 10)) / 10) digits++;
    pos += digits;
    for (let p = pos; p > pos - digits;) {
      const d = int % 10;
      buf[--p] = 0x30 + d;
      int = (int - d) / 10;
    }
    buf[pos++] = 0x2e; // '.'
    buf[pos++] = 0x30 + ((frac / 100) | 0);
    buf[pos++] = 0x30 + (((frac / 10) | 0) % 10);
    buf[pos++] = 0x30 + (frac % 10);
    this.len = pos;
  }

  /** The bytes written (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

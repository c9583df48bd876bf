/**
 * Fake Energi Data Service and SMARD servers on loopback, speaking the real APIs' shapes and
 * quirks (../shared/reference/catalog-smard-style.md §B): EDS `start`/`end` in Danish local
 * wall-clock time, offset/limit paging with `total`, `*UTC` fields without a zone suffix, a 400
 * for malformed `filter` JSON; SMARD weekly chunks starting Monday 00:00 Europe/Berlin, an index
 * of chunk starts (served unsorted), the newest chunk padded with `null` to the end of its
 * week, 404 for unknown combinations and mismatched repeated path parameters. Every request is
 * recorded; faults (status codes, bodies, delays) can be queued per path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Fault {
  match: string;
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** A loopback HTTP server with a request log and a queue of one-shot faults. */
abstract class LoopbackFake {
  readonly requests: string[] = [];
  private readonly faults: Fault[] = [];
  private server: Server | null = null;
  url = '';

  /** The next request whose path+query contains `match` gets this answer instead (once per call). */
  fail(
    match: string,
    status: number,
    opts: { body?: string; headers?: Record<string, string>; delayMs?: number } = {},
  ): void {
    this.faults.push({ match, status, ...opts });
  }

  /** Drops the queued faults (the source recovered). */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The next request containing `match` is answered normally, but only after `delayMs`. */
  delay(match: string, delayMs: number): void {
    this.faults.push({ match, status: 0, delayMs });
  }

  protected abstract handle(url: URL): Reply;

  private answer(url: URL): Reply {
    try {
      return this.handle(url);
    } catch (e) {
      return { status: 500, body: JSON.stringify({ error: (e as Error).message }) };
    }
  }

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.requests.push(url.pathname + url.search);
      const i = this.faults.findIndex((f) => (url.pathname + url.search).includes(f.match));
      const send = (r: Reply) => {
        res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
        res.end(r.body);
      };
      if (i >= 0) {
        const [f] = this.faults.splice(i, 1);
        const reply = () =>
          f.status === 0
            ? send(this.answer(url))
            : send({ status: f.status, body: f.body ?? `{"error":"fault ${f.status}"}`, headers: f.headers });
        if (f.delayMs) setTimeout(reply, f.delayMs);
        else reply();
        return;
      }
      send(this.answer(url));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

// ---- Europe/Copenhagen and Europe/Berlin wall-clock time, written independently of shared/

const formatters = new Map<string, Intl.DateTimeFormat>();

function zonedParts(ms: number, timeZone: string): number[] {
  let f = formatters.get(timeZone);
  if (!f)
    formatters.set(
      timeZone,
      (f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        weekday: 'short',
      })),
    );
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  const wd = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday);
  return [+p.year, +p.month, +p.day, +p.hour, +p.minute, wd];
}

/** The instant a wall-clock time denotes in `timeZone` (the earlier one when ambiguous). */
export function wallClockToUtc(y: number, mo: number, d: number, h: number, mi: number, timeZone: string): number {
  const naive = Date.UTC(y, mo - 1, d, h, mi);
  const n = new Date(naive); // day 0 or 32 rolls over: compare with the normalised date
  for (const off of [2, 1, 0, 3]) {
    const t = naive - off * 3_600_000;
    const [py, pm, pd, ph, pmi] = zonedParts(t, timeZone);
    if (py === n.getUTCFullYear() && pm === n.getUTCMonth() + 1 && pd === n.getUTCDate() && ph === h && pmi === mi)
      return t;
  }
  return naive - 3_600_000; // in the spring gap: as if standard time
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 19); // no zone suffix, as EDS sends it
const hourParts = new Map<string, number[]>();
/** Local wall-clock text; Intl is asked once per UTC hour (CET/CEST offsets are whole hours). */
function localIso(ms: number, timeZone: string): string {
  const hour = Math.floor(ms / 3_600_000) * 3_600_000;
  const key = `${timeZone}|${hour}`;
  let parts = hourParts.get(key);
  if (!parts) hourParts.set(key, (parts = zonedParts(hour, timeZone)));
  const [y, mo, d, h] = parts;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${y}-${p(mo)}-${p(d)}T${p(h)}:${p((ms - hour) / 60_000)}:00`;
}

// ---- Energi Data Service

export type EdsRecord = Record<string, string | number | null>;

const EDS_TIME: Record<string, { utc: string; dk: string; minutes: number }> = {
  Elspotprices: { utc: 'HourUTC', dk: 'HourDK', minutes: 60 },
  DayAheadPrices: { utc: 'TimeUTC', dk: 'TimeDK', minutes: 15 },
  CO2Emis: { utc: 'Minutes5UTC', dk: 'Minutes5DK', minutes: 5 },
};

export class FakeEds extends LoopbackFake {
  /** Records per dataset, in the API's shape. */
  readonly datasets = new Map<string, EdsRecord[]>();
  /** The clock `StartOfDay`/`now` are evaluated against. */
  now = () => Date.now();

  /** Adds (or replaces: same time and area) records of `dataset` for instants [from, to). */
  put(
    dataset: 'Elspotprices' | 'DayAheadPrices' | 'CO2Emis',
    areas: readonly string[],
    fromMs: number,
    toMs: number,
    values: (area: string, t: number) => Record<string, number | null> | undefined,
  ): void {
    const meta = EDS_TIME[dataset];
    const rows = this.datasets.get(dataset) ?? [];
    const index = new Map(rows.map((r, i) => [`${String(r[meta.utc])}|${String(r.PriceArea)}`, i]));
    for (let t = fromMs; t < toMs; t += meta.minutes * 60_000)
      for (const area of areas) {
        const v = values(area, t);
        if (!v) continue; // a gap: no record at all
        const rec: EdsRecord = {
          [meta.utc]: iso(t),
          [meta.dk]: localIso(t, 'Europe/Copenhagen'),
          PriceArea: area,
          ...v,
        };
        const at = index.get(`${iso(t)}|${area}`);
        if (at === undefined) {
          index.set(`${iso(t)}|${area}`, rows.length);
          rows.push(rec);
        } else rows[at] = rec;
      }
    this.datasets.set(dataset, rows);
  }

  /** `yyyy`, `yyyy-MM`, `yyyy-MM-dd`, `yyyy-MM-ddTHH:mm` as Danish local time, or `now` / `StartOfDay` / `StartOfMonth` ± PnD/PTnH. */
  parseTime(text: string): number | null {
    const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}))?)?)?$/.exec(text);
    if (m) return wallClockToUtc(+m[1], +(m[2] ?? 1), +(m[3] ?? 1), +(m[4] ?? 0), +(m[5] ?? 0), 'Europe/Copenhagen');
    const dyn = /^(now|StartOfDay|StartOfMonth)(?:([+-])P(?:(\d+)D)?(?:T(\d+)H)?)?$/.exec(text);
    if (!dyn) return null;
    const [y, mo, d] = zonedParts(this.now(), 'Europe/Copenhagen');
    let base =
      dyn[1] === 'now' ? this.now() : wallClockToUtc(y, mo, dyn[1] === 'StartOfDay' ? d : 1, 0, 0, 'Europe/Copenhagen');
    if (dyn[2]) {
      const sign = dyn[2] === '-' ? -1 : 1;
      const [by, bmo, bd, bh, bmi] = zonedParts(base, 'Europe/Copenhagen');
      base = wallClockToUtc(by, bmo, bd + sign * +(dyn[3] ?? 0), bh, bmi, 'Europe/Copenhagen');
      base += sign * +(dyn[4] ?? 0) * 3_600_000;
    }
    return base;
  }

  protected handle(url: URL): Reply {
    const m = /^\/dataset\/([A-Za-z0-9]+)$/.exec(url.pathname);
    const rows = m ? this.datasets.get(m[1]) : undefined;
    if (!m || !rows) return { status: 404, body: JSON.stringify({ error: `unknown dataset` }) };
    const meta = EDS_TIME[m[1]];
    const q = url.searchParams;
    const bad = (msg: string): Reply => ({ status: 400, body: JSON.stringify({ error: msg }) });
    const start = q.has('start') ? this.parseTime(q.get('start')!) : -Infinity;
    const end = q.has('end') ? this.parseTime(q.get('end')!) : Infinity;
    if (start === null || end === null) return bad('invalid start/end');
    let filter: Record<string, unknown[]> = {};
    if (q.has('filter')) {
      try {
        filter = JSON.parse(q.get('filter')!) as Record<string, unknown[]>;
      } catch {
        return bad('filter is not valid JSON');
      }
    }
    let out = rows.filter((r) => {
      const t = Date.parse(`${String(r[meta.utc])}Z`);
      if (t < start || t >= end) return false;
      return Object.entries(filter).every(([k, vals]) => vals.includes(r[k]));
    });
    const sort = (q.get('sort') ?? `${meta.utc} asc`).split(',').map((s) => s.trim().split(/\s+/));
    out = [...out].sort((a, b) => {
      for (const [col, dir] of sort) {
        const c = String(a[col]) < String(b[col]) ? -1 : String(a[col]) > String(b[col]) ? 1 : 0;
        if (c !== 0) return dir?.toLowerCase() === 'desc' ? -c : c;
      }
      return 0;
    });
    const total = out.length;
    const offset = Number(q.get('offset') ?? 0);
    const limit = Number(q.get('limit') ?? 100);
    const page = out.slice(offset, limit === 0 ? undefined : offset + limit);
    const columns = q.get('columns')?.split(',');
    const records = columns ? page.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]]))) : page;
    return {
      status: 200,
      body: JSON.stringify({ total, filters: q.get('filter') ?? '', limit, dataset: m[1], records }),
    };
  }
}

// ---- SMARD

const RES_MINUTES: Record<string, number> = { hour: 60, quarterhour: 15 };

/** Monday 00:00 Europe/Berlin of the week containing `ms`. */
export function berlinWeekStart(ms: number): number {
  const [y, mo, d, , , wd] = zonedParts(ms, 'Europe/Berlin');
  return wallClockToUtc(y, mo, d - ((wd + 6) % 7), 0, 0, 'Europe/Berlin');
}

export class FakeSmard extends LoopbackFake {
  /** `${filter}/${region}/${resolution}` → interval start → value (null = published as a gap). */
  private readonly data = new Map<string, Map<number, number | null>>();
  created = Date.UTC(2025, 0, 1);

  /** Values of [from, to) at `resolution`; `value` undefined = a null (gap). */
  put(
    filter: number,
    region: string,
    resolution: 'hour' | 'quarterhour',
    fromMs: number,
    toMs: number,
    value: (t: number) => number | null,
  ): void {
    const k = `${filter}/${region}/${resolution}`;
    const m = this.data.get(k) ?? new Map<number, number | null>();
    for (let t = fromMs; t < toMs; t += RES_MINUTES[resolution] * 60_000) m.set(t, value(t));
    this.data.set(k, m);
  }

  protected handle(url: URL): Reply {
    const notFound: Reply = { status: 404, body: '<html>404</html>', headers: { 'content-type': 'text/html' } };
    const idx = /^\/chart_data\/(\d+)\/([A-Za-z0-9-]+)\/index_(hour|quarterhour)\.json$/.exec(url.pathname);
    if (idx) {
      const m = this.data.get(`${idx[1]}/${idx[2]}/${idx[3]}`);
      if (!m) return notFound;
      const weeks = [...new Set([...m.keys()].map(berlinWeekStart))];
      // SMARD does not promise an order; serve it reversed so a client must sort
      return { status: 200, body: JSON.stringify({ timestamps: weeks.sort((a, b) => b - a) }) };
    }
    const ch = /^\/chart_data\/(\d+)\/([A-Za-z0-9-]+)\/(\d+)_([A-Za-z0-9-]+)_(hour|quarterhour)_(\d+)\.json$/.exec(
      url.pathname,
    );
    if (!ch || ch[1] !== ch[3] || ch[2] !== ch[4]) return notFound;
    const m = this.data.get(`${ch[1]}/${ch[2]}/${ch[5]}`);
    const week = Number(ch[6]);
    if (!m || berlinWeekStart(week) !== week || ![...m.keys()].some((t) => berlinWeekStart(t) === week))
      return notFound;
    const [y, mo, d] = zonedParts(week, 'Europe/Berlin');
    const next = wallClockToUtc(y, mo, d + 7, 0, 0, 'Europe/Berlin');
    const series: Array<[number, number | null]> = [];
    // every slot of the week: unpublished ones (the newest chunk's tail) come as null
    for (let t = week; t < next; t += RES_MINUTES[ch[5]] * 60_000)
      series.push([t, m.has(t) ? (m.get(t) as number | null) : null]);
    return { status: 200, body: JSON.stringify({ meta_data: { version: 1, created: this.created }, series }) };
  }
}

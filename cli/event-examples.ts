/**
 * Ready-made integration events for `npm run events -- publish --example NAME` (and `events
 * example NAME`, which prints one as the JSON a file holds, to edit and publish). Their defaults
 * fit a lake from `npm run lake -- generate` (grid areas 800…, period from 2024-02-01); flags
 * change grid area, metering point, actors and date.
 */
import { gridOperatorOf } from '../bench/synthetic-charges';
import type { IntegrationEvent } from '../shared/integration-events/events';
import type { IdentifiedEvent } from '../shared/integration-events/json-form';

export interface ExampleOptions {
  gridAreas: string[];
  meteringPoint: string;
  supplier: string;
  /** Balance responsible party of a created metering point (D03/D04 send its per-supplier series to it). */
  balanceResponsibleParty: string;
  /** null = each grid area's generated owner (5790001<code>001). */
  owner: string | null;
  /** Local midnight (epoch ms) the events take effect / the readings start. */
  start: number;
  days: number;
}

export const EXAMPLE_DEFAULTS = {
  gridAreas: ['800'],
  meteringPoint: '571313180000099991',
  supplier: '5790000990001',
  balanceResponsibleParty: '5790000990009',
} as const;

/** Owners are effective from long before any generated period, so every job's documents find them. */
export const OWNER_EFFECTIVE = Date.parse('2019-12-31T23:00:00Z');

const HOUR_MS = 3_600_000;

/** GridAreaUpdated per grid area naming its owner (`lake generate` / `lake convert` write these too). */
export function gridAreaOwnerEvents(owners: ReadonlyMap<string, string>): IdentifiedEvent[] {
  return [...owners].map(([ga, owner]) => ({
    eventId: `grid-area-owner-${ga}-${owner}`,
    event: {
      messageType: 'GridAreaUpdated',
      gridAreaCode: ga,
      gridAreaName: `Grid area ${ga}`,
      gridAccessProviderId: owner,
      priceAreaCode: Number(ga) % 2 === 0 ? 'DK1' : 'DK2',
      effectiveDate: OWNER_EFFECTIVE,
    },
  }));
}

const gridAreaOwners = (o: ExampleOptions): IdentifiedEvent[] =>
  gridAreaOwnerEvents(new Map(o.gridAreas.map((ga) => [ga, o.owner ?? gridOperatorOf(ga)])));

function meteringPointCreated(o: ExampleOptions): IdentifiedEvent[] {
  const id = (what: string) => `example-${what}-${o.meteringPoint}-${o.start}`;
  const events: Array<[string, IntegrationEvent]> = [
    [
      'created',
      {
        messageType: 'MeteringPointCreated',
        meteringPointId: o.meteringPoint,
        type: 'E17',
        calculationType: null,
        settlementMethod: 'E02',
        gridAreaCode: o.gridAreas[0],
        resolution: 'PT1H',
        fromGridAreaCode: null,
        toGridAreaCode: null,
        parentMeteringPointId: null,
        effectiveDate: o.start,
      },
    ],
    ['connected', { messageType: 'MeteringPointConnected', meteringPointId: o.meteringPoint, effectiveDate: o.start }],
    [
      'supplier',
      {
        messageType: 'EnergySupplierChanged',
        meteringPointId: o.meteringPoint,
        energySupplierId: o.supplier,
        effectiveDate: o.start,
      },
    ],
    [
      'brp',
      {
        messageType: 'BalanceResponsiblePartyChanged',
        meteringPointId: o.meteringPoint,
        balanceResponsiblePartyId: o.balanceResponsibleParty,
        effectiveDate: o.start,
      },
    ],
  ];
  return events.map(([what, event]) => ({ eventId: id(what), event }));
}

function supplierChange(o: ExampleOptions): IdentifiedEvent[] {
  return [
    {
      eventId: `example-supplier-change-${o.meteringPoint}-${o.supplier}-${o.start}`,
      event: {
        messageType: 'EnergySupplierChanged',
        meteringPointId: o.meteringPoint,
        energySupplierId: o.supplier,
        effectiveDate: o.start,
      },
    },
  ];
}

function timeSeries(o: ExampleOptions): IdentifiedEvent[] {
  const end = o.start + o.days * 24 * HOUR_MS; // a DST day is off by an hour; the example does not cross one
  return [
    {
      eventId: `example-time-series-${o.meteringPoint}-${o.start}-${o.days}`,
      event: {
        messageType: 'TimeSeriesPointsReceived',
        meteringPointId: o.meteringPoint,
        resolution: 'PT1H',
        registrationTime: Math.min(end, Date.now()),
        periodStart: o.start,
        periodEnd: end,
        points: Array.from({ length: (end - o.start) / HOUR_MS }, (_, i) => ({
          position: i + 1,
          quantityMilli: 1_250,
          quality: 'measured' as const,
        })),
      },
    },
  ];
}

export const EXAMPLES: Record<string, { what: string; build: (o: ExampleOptions) => IdentifiedEvent[] }> = {
  'grid-area-owners': {
    what: 'GridAreaUpdated per --grid-areas, naming its owner (--owner, default 5790001<code>001): the receiver of RSM-014 grid-area documents',
    build: gridAreaOwners,
  },
  'metering-point-created': {
    what: 'MeteringPointCreated (E17, E02, PT1H in the first --grid-areas), MeteringPointConnected, EnergySupplierChanged (--supplier) and BalanceResponsiblePartyChanged (--brp) from --date for --metering-point',
    build: meteringPointCreated,
  },
  'supplier-change': {
    what: 'EnergySupplierChanged: --metering-point switches to --supplier from --date',
    build: supplierChange,
  },
  'time-series': {
    what: 'TimeSeriesPointsReceived: 1.250 kWh every hour for --days from --date for --metering-point (PT1H)',
    build: timeSeries,
  },
};

/**
 * `npm run events -- publish FILE | --example NAME` publishes integration events (protobuf, the
 * contract in shared/integration-events/contracts/) to a running local host through its
 * local-only route (local/publish-route.ts), which puts them on its in-process Service Bus and
 * answers once the app's subscriber stored them; or, with --service-bus CS, to a real Service Bus
 * topic. `npm run events -- example NAME` prints an example as the JSON a FILE holds.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../local/dev-issuer';
import { LOCAL_PUBLISH_ROUTE } from '../local/publish-route';
import { NAMES } from '../shared/config/names';
import { ContractError } from '../shared/messaging/contract-error';
import { integrationEventMessage } from '../shared/integration-events/encode';
import {
  EventsFileError,
  eventToJson,
  parseEventsJson,
  type IdentifiedEvent,
} from '../shared/integration-events/json-form';
import { ServiceBusBus } from '../shared/messaging/service-bus-bus';
import { EXAMPLE_DEFAULTS, EXAMPLES, type ExampleOptions } from './event-examples';
import { parseStart } from './lake';
import { hostUrl, UsageError } from './target';

const EXAMPLE_OPTIONS = `  --grid-areas 800,801    grid areas (default ${EXAMPLE_DEFAULTS.gridAreas.join(',')}; the first for a metering point)
  --owner GLN             owner for grid-area-owners (default 5790001<code>001, as lake generate writes)
  --metering-point GSRN   (default ${EXAMPLE_DEFAULTS.meteringPoint})
  --supplier GLN          (default ${EXAMPLE_DEFAULTS.supplier})
  --brp GLN               balance responsible party (default ${EXAMPLE_DEFAULTS.balanceResponsibleParty})
  --date YYYY-MM-DD       Danish local date the events take effect / readings start (default 2024-02-01)
  --days N                days of readings for time-series (default 1)`;

const TARGET_OPTIONS = `  --url URL               the local host (default $SETTLEMENT_HOST_URL, else the running npm start's,
                          from .local/host.json)
  --token T               an administrator bearer token (default: one minted by the checkout's dev
                          issuer, as npm run token prints)
  --data-dir DIR          where npm start wrote host.json (default .local)
  --service-bus CS        publish to this Service Bus namespace's topic ${NAMES.serviceBus.integrationEventsTopic}
                          instead of the local host (Azure; the message is the same)`;

const HELP: Record<string, string> = {
  events: `Usage: npm run events -- <command> [options]   (npm run events -- <command> --help for its options)

  publish FILE | --example NAME   publish integration events to the running host (or a Service Bus)
  example NAME                    print an example's events as JSON (a FILE to edit and publish)

Examples:
${Object.entries(EXAMPLES)
  .map(([name, e]) => `  ${name.padEnd(24)}${e.what}`)
  .join('\n')}`,
  publish: `Usage: npm run events -- publish FILE [target options]
       npm run events -- publish --example NAME [example options] [target options]

FILE: a JSON array of events, one JSON event or NDJSON; each event is the shape of
shared/integration-events/events.ts with instants as ISO strings and an optional "eventId"
(default: derived from the content, so a second publish stores nothing new), e.g.
  [{"messageType":"GridAreaUpdated","gridAreaCode":"800","gridAreaName":"North",
    "gridAccessProviderId":"5790001800001","priceAreaCode":"DK1","effectiveDate":"2019-12-31T23:00:00Z"}]
Each event is checked against the protobuf contract before anything is sent (exit code 1 naming
the event and field); the local host answers once its subscriber stored the event.

Examples (--example NAME): ${Object.keys(EXAMPLES).join(', ')}
${EXAMPLE_OPTIONS}

Target:
${TARGET_OPTIONS}`,
  example: `Usage: npm run events -- example NAME [example options]

Prints the events of an example as JSON (save, edit, then npm run events -- publish FILE).
${Object.entries(EXAMPLES)
  .map(([name, e]) => `  ${name.padEnd(24)}${e.what}`)
  .join('\n')}

${EXAMPLE_OPTIONS}`,
};

type Log = (s: string) => void;

const OPTIONS = {
  example: { type: 'string' },
  'grid-areas': { type: 'string' },
  owner: { type: 'string' },
  'metering-point': { type: 'string' },
  supplier: { type: 'string' },
  brp: { type: 'string' },
  date: { type: 'string' },
  days: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  'data-dir': { type: 'string' },
  'service-bus': { type: 'string' },
  help: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function exampleEvents(name: string, v: Values): IdentifiedEvent[] {
  const example = EXAMPLES[name];
  if (!example) throw new UsageError(`--example: '${name}' is none of ${Object.keys(EXAMPLES).join(', ')}`);
  const days = Number(v.days ?? 1);
  if (!Number.isInteger(days) || days < 1 || days > 31) throw new UsageError(`--days: '${v.days}' is not 1 to 31`);
  const o: ExampleOptions = {
    gridAreas: v['grid-areas'] ? v['grid-areas'].split(',') : [...EXAMPLE_DEFAULTS.gridAreas],
    meteringPoint: v['metering-point'] ?? EXAMPLE_DEFAULTS.meteringPoint,
    supplier: v.supplier ?? EXAMPLE_DEFAULTS.supplier,
    balanceResponsibleParty: v.brp ?? EXAMPLE_DEFAULTS.balanceResponsibleParty,
    owner: v.owner ?? null,
    start: parseStart(v.date ?? '2024-02-01'),
    days,
  };
  return example.build(o);
}

/** Encodes every event first, so a bad one stops the run before anything is published. */
function encodeAll(
  events: IdentifiedEvent[],
): Array<{ eventId: string; message: ReturnType<typeof integrationEventMessage> }> {
  return events.map(({ eventId, event }, i) => {
    try {
      return { eventId, message: integrationEventMessage(eventId, event) };
    } catch (e) {
      if (e instanceof ContractError)
        throw new EventsFileError([
          { path: `[${i}] ${event.messageType}${e.field ? `.${e.field}` : ''}`, message: e.reason },
        ]);
      throw e;
    }
  });
}

async function publishToHost(
  encoded: ReturnType<typeof encodeAll>,
  url: string,
  token: string,
  log: Log,
  err: Log,
): Promise<number> {
  for (const { eventId, message } of encoded) {
    const type = message.subject;
    const target = `${url}/api/${LOCAL_PUBLISH_ROUTE}?messageType=${encodeURIComponent(type)}&eventId=${encodeURIComponent(eventId)}`;
    let res: Response;
    try {
      res = await fetch(target, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': message.contentType },
        body: message.body,
      });
    } catch (e) {
      err(`cannot reach the host at ${url} (is npm start running?): ${(e as Error).message}`);
      return 1;
    }
    const text = await res.text();
    if (res.status === 200) {
      const body = JSON.parse(text) as { storedAt: string };
      log(`${type} ${eventId}: stored at ${body.storedAt}`);
    } else if (res.status === 202) {
      log(`${type} ${eventId}: sent, not stored yet (the host's subscriber is slow or off)`);
    } else {
      err(`${type} ${eventId}: ${res.status} ${text}`);
      return 1;
    }
  }
  return 0;
}

async function publishToServiceBus(encoded: ReturnType<typeof encodeAll>, cs: string, log: Log): Promise<number> {
  const bus = ServiceBusBus.fromConnectionString(cs);
  try {
    for (const { eventId, message } of encoded) {
      await bus.send({ topic: NAMES.serviceBus.integrationEventsTopic }, message);
      log(`${message.subject} ${eventId}: sent to ${NAMES.serviceBus.integrationEventsTopic}`);
    }
  } finally {
    await bus.close();
  }
  return 0;
}

export async function runEvents(argv: string[], log: Log = console.log, err: Log = console.error): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === 'help') {
    (command === undefined ? err : log)(HELP.events);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'publish' && command !== 'example') {
    err(`unknown command '${command}'\n\n${HELP.events}`);
    return 2;
  }
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: OPTIONS, strict: true, allowPositionals: true });
    } catch (e) {
      throw new UsageError(`${command}: ${(e as Error).message}`);
    }
    const { values: v, positionals } = parsed;
    if (v.help) {
      log(HELP[command]);
      return 0;
    }
    if (command === 'example') {
      if (positionals.length !== 1) throw new UsageError('example: NAME is required, exactly one');
      log(
        JSON.stringify(
          exampleEvents(positionals[0], v).map((e) => eventToJson(e.eventId, e.event)),
          null,
          2,
        ),
      );
      return 0;
    }
    if ((positionals.length === 1) === (v.example !== undefined) || positionals.length > 1)
      throw new UsageError('publish: give exactly one of FILE or --example NAME');
    let events: IdentifiedEvent[];
    if (v.example !== undefined) events = exampleEvents(v.example, v);
    else {
      let text: string;
      try {
        text = await readFile(positionals[0], 'utf8');
      } catch (e) {
        throw new UsageError(`publish: cannot read ${positionals[0]}: ${(e as Error).message}`);
      }
      events = parseEventsJson(text);
    }
    const encoded = encodeAll(events);
    if (v['service-bus']) return await publishToServiceBus(encoded, v['service-bus'], log);
    const url = hostUrl(v.url, v['data-dir']);
    const token = v.token ?? process.env.SETTLEMENT_TOKEN ?? (await mintDevToken({ roles: ['datahub_administrator'] }));
    return await publishToHost(encoded, url, token, log, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${e.message}\n\n${HELP[command]}`);
      return 2;
    }
    if (e instanceof EventsFileError) {
      err(`invalid events, nothing published:\n${e.message}`);
      return 1;
    }
    err(`${command} failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (require.main === module) void runEvents(process.argv.slice(2)).then((code) => process.exit(code));

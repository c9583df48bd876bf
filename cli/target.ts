/**
 * Which running host (URL) and storage (connection string) `npm run lake` / `npm run events` talk
 * to: the flags first, then the environment, then the `.local/host.json` a running `npm start`
 * writes (local/host-state.ts). A usage error names every way to give the missing one.
 */
import { DEFAULT_DATA_DIR, readHostState } from '../local/host-state';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const STORAGE_ENV = 'AZURE_STORAGE_CONNECTION_STRING';
export const HOST_URL_ENV = 'SETTLEMENT_HOST_URL';

export function storageConnectionString(flag: string | undefined, dataDir = DEFAULT_DATA_DIR): string {
  const cs = flag ?? process.env[STORAGE_ENV] ?? readHostState(dataDir)?.storageConnectionString;
  if (!cs)
    throw new UsageError(
      `no storage to talk to: start the local host (npm start) so that ${dataDir}/host.json names it, or give --connection-string or ${STORAGE_ENV}`,
    );
  return cs;
}

export function hostUrl(flag: string | undefined, dataDir = DEFAULT_DATA_DIR): string {
  const url = flag ?? process.env[HOST_URL_ENV] ?? readHostState(dataDir)?.url;
  if (!url)
    throw new UsageError(
      `no running host: start it (npm start) so that ${dataDir}/host.json names it, or give --url or ${HOST_URL_ENV}`,
    );
  return url.replace(/\/+$/, '').replace(/\/api$/, '');
}

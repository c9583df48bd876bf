/**
 * CatalogProfiler: the profile queue's trigger. Fetches, profiles and indexes one announced
 * dataset; a dataset that cannot be read or is too large is recorded as a failure and
 * dead-lettered with the reason (retrying would not help); anything else (source down, storage)
 * throws and is redelivered.
 */
import { DatasetTooLargeError, profileAndIndex, type CatalogDeps } from '../../shared/catalog/catalog-service';
import { decodeProfileRequest } from '../../shared/catalog/profile-request';
import { UnreadableDatasetError } from '../../shared/catalog/profile/readers';
import type { ServiceBusHandler } from '../registry';

export function catalogProfilerHandler(deps: { catalog: CatalogDeps }): ServiceBusHandler {
  return async (message, context) => {
    const request = decodeProfileRequest(message.body);
    if ('invalid' in request) {
      await message.deadLetter('InvalidProfileRequest', request.invalid);
      return;
    }
    try {
      const { outcome, entry } = await profileAndIndex(deps.catalog, request);
      context.log(`catalog ${entry.id}: ${outcome} (${entry.profile.nb_rows} rows)`);
    } catch (e) {
      if (e instanceof UnreadableDatasetError || e instanceof DatasetTooLargeError) {
        await message.deadLetter(e.name, e.message);
        return;
      }
      throw e;
    }
  };
}

import { request } from './api';

/**
 * Downloads an API answer as a file. A plain link cannot carry the bearer token, so the file is
 * fetched with it and handed to the browser as a blob URL.
 */
export async function downloadFromApi(path: string, filename: string, accept: string): Promise<void> {
  const res = await request(path, { accept });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  // the browser has started reading the blob by now; a minute is ample
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

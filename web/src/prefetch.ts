// Starts the first screen's main request while the app is still mounting (used for the
// clinician panel, whose list is the slowest request on a large clinic).
import { get } from './api';

const pending = new Map<string, Promise<unknown>>();

export function prefetch(path: string): void {
  if (!pending.has(path)) pending.set(path, get(path));
}

/** The prefetched response, once; otherwise a fresh request. */
export function take<T>(path: string, signal?: AbortSignal): Promise<T> {
  const p = pending.get(path);
  if (p) {
    pending.delete(path);
    return p as Promise<T>;
  }
  return get<T>(path, signal);
}

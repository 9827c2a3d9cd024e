/**
 * The layout worker: lays out off the main thread, so a big lineage never freezes the page.
 * Bundled into the app as text (docs-site/build.mjs) and started from a Blob URL: Chromium
 * refuses workers from file:// URLs, and the site must work opened from disk.
 */
import { extend } from './extend.js';
import { layered } from './layered.js';
import type { LayoutRequest, LayoutResponse } from './messages.js';

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null;
  postMessage: (message: LayoutResponse) => void;
};

scope.onmessage = ({ data: request }) => {
  const layout = request.op === 'layered' ? layered(request.input) : extend(request.input);
  scope.postMessage({ id: request.id, layout });
};

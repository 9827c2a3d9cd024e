import type { ExtendInput } from './extend.js';
import type { Layout, LayoutInput } from './layered.js';

/** What the page asks the layout worker, and what it answers. */
export type LayoutRequest = { id: number; op: 'layered'; input: LayoutInput } | { id: number; op: 'extend'; input: ExtendInput };

export interface LayoutResponse {
  id: number;
  layout: Layout;
}

import source from './worker.ts?worker';
import type { ExtendInput } from './extend.js';
import type { Layout, LayoutInput } from './layered.js';
import type { LayoutRequest, LayoutResponse } from './messages.js';

/** Lays out in the layout worker; answers come back in the order asked. */
export class LayoutWorker {
  private readonly worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  private readonly waiting = new Map<number, (layout: Layout) => void>();
  private next = 0;

  constructor() {
    this.worker.onmessage = ({ data }: MessageEvent<LayoutResponse>) => {
      this.waiting.get(data.id)?.(data.layout);
      this.waiting.delete(data.id);
    };
  }

  layered(input: LayoutInput): Promise<Layout> {
    return this.ask({ id: this.next++, op: 'layered', input });
  }

  extend(input: ExtendInput): Promise<Layout> {
    return this.ask({ id: this.next++, op: 'extend', input });
  }

  private ask(request: LayoutRequest): Promise<Layout> {
    return new Promise((resolve) => {
      this.waiting.set(request.id, resolve);
      this.worker.postMessage(request);
    });
  }
}

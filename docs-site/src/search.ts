import { escape } from './render.js';
import type { Site } from './site.js';

/** The search box: names containing the text, twelve at most; Enter opens the first. */
export function wireSearch(site: Site, search: HTMLInputElement, matches: HTMLElement, open: (id: string) => void): void {
  const found = () => {
    const text = search.value.toLowerCase();
    const out: number[] = [];
    if (!text) return out;
    for (let i = 0; i < site.searchNames.length && out.length < 12; i++) if (site.searchNames[i]!.includes(text)) out.push(i);
    return out;
  };
  search.addEventListener('input', () => {
    matches.innerHTML = found()
      .map((i) => site.nodes[i]!)
      .map((n) => `<li data-id="${escape(n.id)}"><span class="kind">${escape(n.kind)}</span>${escape(n.name)}</li>`)
      .join('');
  });
  search.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    const first = found()[0];
    if (first === undefined) return;
    matches.innerHTML = '';
    open(site.nodes[first]!.id);
  });
  matches.addEventListener('click', (event) => {
    const id = (event.target as HTMLElement).closest('li')?.dataset.id;
    matches.innerHTML = '';
    if (id) open(id);
  });
}

import type { IndexNode, NodeDetails } from '../../../framework/docs/types.js';
import { inline, markdown } from '../markdown.js';
import { badge, escape, highlightSql } from '../render.js';
import type { Site } from '../site.js';
import { kindDetails } from './kind.js';

/** An identifier that may break after its underscores, where a narrow column needs it to. */
export const breakable = (name: string) => escape(name).replace(/_/g, '_<wbr>');

export const link = (site: Site, id: string) => `<a href="#node=${encodeURIComponent(id)}">${breakable(site.byId.get(id)?.name ?? id)}</a>`;

/**
 * A test in a column's row, by what it checks (`not_null`, `relationships`): its full name repeats
 * the node and the column the row is already about, and is the link's title.
 */
function columnTest(site: Site, id: string): string {
  const test = site.byId.get(id);
  if (test?.select.testType !== 'generic' || typeof test.select.testName !== 'string') return link(site, id);
  return `<a href="#node=${encodeURIComponent(id)}" title="${escape(test.name)}">${breakable(test.select.testName)}</a>`;
}

/** The top of a node page, from the index alone: drawn at once, before the details arrive. */
export function nodeHeader(node: IndexNode): string {
  // Sources, ML nodes and tools may have no relation: no empty part before the dot.
  const where = [node.relation, node.path].filter(Boolean).map(escape).join(' · ');
  return `<span class="kind">${escape(node.kind.replace('_', ' '))}</span><h1>${escape(node.name)}</h1><p class="muted" id="where">${where}</p>`;
}

export function nodeBody(site: Site, node: IndexNode, details: NodeDetails): string {
  const to = (id: string) => link(site, id);
  const columnRows = details.columns
    .map((c) => {
      const from = details.lineage.find((l) => l.name === c.name)?.from ?? [];
      const name =
        node.kind === 'model'
          ? `<button class="column-link" data-column="${escape(c.name)}">${breakable(c.name)}</button>`
          : breakable(c.name);
      // Where the column comes from, under its name: a fifth column left each too narrow for its words.
      const sources = from.map((f) => `${breakable(site.byId.get(f.node)?.name ?? f.node)}.<wbr>${breakable(f.column)}`).join(', ');
      return `<tr><td>${name}${sources ? `<div class="from">from ${sources}</div>` : ''}</td><td>${escape(c.type ?? '')}</td><td>${inline(c.description)}</td>
        <td>${c.tests.map((t) => `${columnTest(site, t.id)} ${badge(t.status)}`).join('<br>')}</td></tr>`;
    })
    .join('');
  const last = node.lastRun;
  return `${markdown(details.description) || '<p><span class="muted">No description.</span></p>'}
    <table class="facts">
      ${node.materialized ? `<tr><td>materialized</td><td>${escape(node.materialized)}</td></tr>` : ''}
      ${details.rows !== null ? `<tr><td>rows</td><td>${details.rows.toLocaleString()}</td></tr>` : ''}
      <tr><td>last run</td><td>${last ? `${badge(last.status)} ${escape(last.action)} · ${last.executionTime.toFixed(2)}s · ${escape(last.completedAt)}${last.message ? `<br><span class="muted">${escape(last.message)}</span>` : ''}` : badge(null)}</td></tr>
      ${node.tags.length ? `<tr><td>tags</td><td>${node.tags.map(escape).join(', ')}</td></tr>` : ''}
    </table>
    ${kindDetails(node, details, to)}
    ${details.columns.length ? `<h2>Columns</h2><table id="columns"><colgroup><col class="c-name"><col class="c-type"><col><col class="c-tests"></colgroup><tr><th>name</th><th>type</th><th>description</th><th>tests</th></tr>${columnRows}</table>` : ''}
    <div id="column-lineage"></div>
    <h2>Upstream</h2><p>${(site.parents[node.id] ?? []).map(to).join(', ') || '<span class="muted">none</span>'}</p>
    <h2>Downstream</h2><p>${(site.children[node.id] ?? []).map(to).join(', ') || '<span class="muted">none</span>'}</p>
    ${details.rawSql ? `<h2>SQL</h2><details open><summary>source</summary><pre>${highlightSql(details.rawSql)}</pre></details>` : ''}
    ${details.compiledSql ? `<details><summary>compiled</summary><pre>${highlightSql(details.compiledSql)}</pre></details>` : ''}`;
}

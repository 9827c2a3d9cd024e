/**
 * Maps each line of rendered SQL back to the template line it came from, so DuckDB errors
 * point into the user's .sql file. Blocks remove and repeat lines, so lines are aligned by
 * their literal text: a template line matches when its literal fragments appear, in order,
 * in the output line.
 */
export function alignLines(template: string, output: string): number[] {
  const templateLines = template.split('\n').map((line) => ({ fragments: literalFragments(line) }));
  const map: number[] = [];
  let next = 0;
  for (const out of output.split('\n')) {
    if (out.trim() === '') {
      // A blank output line is the blank (or mustache-only) template line at the cursor.
      map.push(Math.min(next + 1, templateLines.length));
      if (next < templateLines.length && templateLines[next]!.fragments.length === 0) next++;
      continue;
    }
    let found = -1;
    for (let t = next; t < Math.min(templateLines.length, next + 200); t++) {
      const fragments = templateLines[t]!.fragments;
      if (fragments.length > 0 && containsInOrder(out, fragments)) {
        found = t;
        break;
      }
    }
    if (found === -1) map.push(Math.max(1, Math.min(next, templateLines.length)));
    else {
      map.push(found + 1);
      next = found + 1;
    }
  }
  return map;
}

function literalFragments(line: string): string[] {
  return line
    .split(/\{\{[\s\S]*?\}\}/)
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
}

function containsInOrder(text: string, fragments: string[]): boolean {
  let from = 0;
  for (const fragment of fragments) {
    const at = text.indexOf(fragment, from);
    if (at === -1) return false;
    from = at + fragment.length;
  }
  return true;
}

/**
 * Maps each line of rendered SQL back to the template line it came from, so DuckDB errors
 * point into the user's .sql file. Blocks remove and repeat lines, so lines are aligned by
 * their literal text: a template line matches when its literal fragments appear, in order,
 * in the output line.
 */
export function alignLines(template: string, output: string): number[] {
  const templateLines = template.split('\n').map((line) => ({ blank: line.trim() === '', fragments: literalFragments(line) }));
  const outLines = output.split('\n');
  const map: number[] = [];
  let next = 0;
  for (const out of outLines) {
    let found = -1;
    for (let t = next; t < Math.min(templateLines.length, next + 200); t++) {
      const fragments = templateLines[t]!.fragments;
      if (fragments.length > 0 && containsInOrder(out, fragments)) {
        found = t;
        break;
      }
      if (templateLines[t]!.blank && out.trim() === '') {
        found = t;
        break;
      }
    }
    if (found === -1) map.push(next === 0 ? 1 : Math.min(next, templateLines.length));
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

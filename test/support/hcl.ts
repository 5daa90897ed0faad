// Just enough HCL reading for tests that hold Terraform to the TypeScript definitions it must repeat: the body of a
// block or an object found by its opening text, with braces matched (strings holding braces are not expected there).

/** The text between the brace that ends `opening` (or follows it) and its matching closing brace. */
export function hclBody(text: string, opening: string, from = 0): string {
  const start = text.indexOf(opening, from);
  if (start < 0) throw new Error(`"${opening}" not found`);
  const open = text.indexOf('{', start + opening.length - 1);
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '{') depth++;
    else if (text[index] === '}' && --depth === 0) return text.slice(open + 1, index);
  }
  throw new Error(`"${opening}" has no closing brace`);
}

/**
 * The attribute names set at the top level of an object or block body, comments, strings and nested bodies left out.
 */
export function hclKeys(body: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (const line of body.split('\n')) {
    const match = depth === 0 ? /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line) : null;
    if (match?.[1]) keys.push(match[1]);
    let inString = false;
    for (const [index, char] of [...line].entries()) {
      if (char === '"' && line[index - 1] !== '\\') inString = !inString;
      else if (inString) continue;
      else if (char === '#') break;
      else depth += '{[('.includes(char) ? 1 : '}])'.includes(char) ? -1 : 0;
    }
  }
  return keys;
}

/**
 * PaNET's OWL equivalence expressions, as they appear in data/panet/panet-terms.json, parsed into the
 * little we need for subsumption: a conjunction of named classes and existential restrictions.
 *   x-ray probe-based techniques            (a label, written bare)
 *   PaNET:PaNET01124                        (an id)
 *   ('definedbyprobe' some 'hard x-ray')    (a restriction: property some filler)
 *   ('absorption-based techniques' and 'magnetism-based techniques')
 * Anything else (a URL, an `or`) is ignored: it cannot make a term more specific in a way we could use.
 */
export type Atom = { kind: 'named'; ref: string } | { kind: 'some'; property: string; filler: string };

const TOKEN = /\s*(\(|\)|'[^']*'|PaNET:[A-Za-z0-9]+|[^\s()']+)/y;

function tokenize(text: string): string[] | undefined {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const start = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) return text.slice(start).trim() === '' ? out : undefined;
    out.push(m[1]!);
  }
  return out;
}

/** A reference as written: `'label'`, `PaNET:PaNET0123` or a bare word. */
const refOf = (token: string): string =>
  token.startsWith("'")
    ? token.slice(1, -1)
    : token.startsWith('PaNET:')
      ? token.slice('PaNET:'.length)
      : token;

/** The atoms of one expression; `[]` when the expression says nothing we can use. */
export function parseEquivalence(expression: string): Atom[] {
  const text = expression.trim();
  if (/^https?:/.test(text)) return [];
  // A bare label such as `x-ray probe-based techniques` (no quotes, no parentheses).
  if (!/[()']/.test(text)) return [{ kind: 'named', ref: refOf(text) }];
  const tokens = tokenize(text);
  if (!tokens) return [];
  const atoms: Atom[] = [];
  let i = 0;
  const conjunction = (): boolean => {
    // ( item (and item)* )  where item = ref | ref some ref | ( ... )
    for (;;) {
      const t = tokens[i];
      if (t === undefined) return false;
      if (t === '(') {
        i++;
        if (!conjunction()) return false;
        if (tokens[i++] !== ')') return false;
      } else if (t === ')' || t === 'and' || t === 'some' || t === 'or') {
        return false;
      } else if (tokens[i + 1] === 'some') {
        const filler = tokens[i + 2];
        if (filler === undefined || filler === '(' || filler === ')') return false;
        atoms.push({ kind: 'some', property: refOf(t), filler: refOf(filler) });
        i += 3;
      } else {
        atoms.push({ kind: 'named', ref: refOf(t) });
        i++;
      }
      if (tokens[i] !== 'and') return true;
      i++;
    }
  };
  if (!conjunction() || i !== tokens.length) return [];
  return atoms;
}

import { readFileSync } from 'node:fs';
import { parseEquivalence, type Atom } from './expressions.ts';

/**
 * The PaNET technique hierarchy (data/panet, CC-BY-4.0), computed once at first use: explicit parents
 * plus what the OWL equivalences imply. A term defined as `A and B and (p some F)` is a subclass of A
 * and B; and any term whose (inherited) description contains A, B and some `(p some G)` with G ⊑ F is
 * a subclass of it. So "hard x-ray probe-based" (`definedbyprobe some 'hard x-ray'`) falls under
 * "x-ray probe-based" (`definedbyprobe some 'x-ray'`) because the probe 'hard x-ray' is an 'x-ray'.
 */
export const PANET_IRI_PREFIX = 'http://purl.org/pan-science/PaNET/';

interface Term {
  id: string;
  iri: string;
  label: string;
  altLabels: string[];
  parents: string[];
  equivalentTo: string[];
}

export interface PanetHierarchy {
  labels: Map<string, string>;
  /** id → ids of all ancestors (not itself). */
  ancestors: Map<string, Set<string>>;
  /** id → ids of all descendants (not itself). */
  descendants: Map<string, Set<string>>;
}

export function buildHierarchy(terms: Term[]): PanetHierarchy {
  const ids = new Set(terms.map((t) => t.id));
  const byName = new Map<string, string>();
  for (const t of terms)
    for (const name of [t.label, ...t.altLabels]) if (!byName.has(name)) byName.set(name, t.id);
  const resolve = (ref: string): string | undefined => (ids.has(ref) ? ref : byName.get(ref));

  // Told subsumers and restrictions of each term; the definition (atoms) of each defined term.
  const told = new Map<string, Set<string>>();
  const restrictions = new Map<string, { property: string; filler: string }[]>();
  const definitions = new Map<string, { named: string[]; some: { property: string; filler: string }[] }>();
  for (const t of terms) {
    const parents = new Set(t.parents.filter((p) => ids.has(p)));
    const atoms: Atom[] = t.equivalentTo.flatMap(parseEquivalence);
    const named: string[] = [];
    const some: { property: string; filler: string }[] = [];
    let complete = atoms.length > 0;
    for (const a of atoms) {
      if (a.kind === 'named') {
        const id = resolve(a.ref);
        if (id && id !== t.id) named.push(id);
        else if (!id) complete = false;
      } else {
        const filler = resolve(a.filler);
        if (filler) some.push({ property: a.property, filler });
        else complete = false;
      }
    }
    for (const n of named) parents.add(n);
    told.set(t.id, parents);
    restrictions.set(t.id, some);
    // Only a definition we fully understood may classify other terms under this one.
    if (complete && (named.length > 0 || some.length > 0)) definitions.set(t.id, { named, some });
  }

  const ancestors = new Map<string, Set<string>>();
  const closeAll = () => {
    for (const t of terms) {
      const out = new Set<string>();
      const stack = [...told.get(t.id)!];
      while (stack.length) {
        const p = stack.pop()!;
        if (p === t.id || out.has(p)) continue;
        out.add(p);
        for (const q of told.get(p) ?? []) stack.push(q);
      }
      ancestors.set(t.id, out);
    }
  };
  closeAll();

  // Classify every term against every definition, round after round until nothing changes (a handful
  // of rounds for PaNET); each round sees the ancestors of the previous one, which is enough because
  // subsumption only grows.
  const isA = (sub: string, sup: string) => sub === sup || ancestors.get(sub)!.has(sup);
  for (let changed = true; changed;) {
    changed = false;
    const inherited = new Map(
      terms.map((t) => [t.id, [t.id, ...ancestors.get(t.id)!].flatMap((a) => restrictions.get(a) ?? [])]),
    );
    for (const [defined, def] of definitions) {
      for (const t of terms) {
        if (t.id === defined || ancestors.get(t.id)!.has(defined)) continue;
        if (!def.named.every((n) => isA(t.id, n))) continue;
        const own = inherited.get(t.id)!;
        if (!def.some.every((r) => own.some((o) => o.property === r.property && isA(o.filler, r.filler))))
          continue;
        told.get(t.id)!.add(defined);
        changed = true;
      }
    }
    if (changed) closeAll();
  }

  const descendants = new Map<string, Set<string>>(terms.map((t) => [t.id, new Set<string>()]));
  for (const [id, ups] of ancestors) for (const up of ups) if (up !== id) descendants.get(up)!.add(id);
  return { labels: new Map(terms.map((t) => [t.id, t.label])), ancestors, descendants };
}

let cached: PanetHierarchy | undefined;

/** The shipped hierarchy, computed on first use and kept for the life of the process. */
export function panetHierarchy(): PanetHierarchy {
  if (!cached) {
    const file = JSON.parse(
      readFileSync(new URL('../../../data/panet/panet-terms.json', import.meta.url), 'utf8'),
    ) as {
      terms: Term[];
    };
    cached = buildHierarchy(file.terms);
  }
  return cached;
}

/** The ids themselves plus all their PaNET descendants; unknown ids stay as they are. */
export function withDescendants(ids: Iterable<string>, h = panetHierarchy()): string[] {
  const out = new Set<string>();
  for (const id of ids) {
    out.add(id);
    for (const d of h.descendants.get(id) ?? []) out.add(d);
  }
  return [...out];
}

/** `PaNET01188` or its IRI → the id. */
export const panetId = (pidOrId: string): string =>
  pidOrId.startsWith(PANET_IRI_PREFIX) ? pidOrId.slice(PANET_IRI_PREFIX.length) : pidOrId;

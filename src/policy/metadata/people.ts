import type { Member } from '../../catalogue/sessions/members.ts';

export interface Person {
  /** "Family, Given" as DataCite and citations want it. */
  name: string;
  givenName: string | null;
  familyName: string | null;
  orcid: string | null;
  affiliation: string | null;
}

const ORCID = /^(?:https?:\/\/orcid\.org\/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$/i;

/** The bare ORCID iD (0000-0002-1825-0097) or null when the stored value is not one. */
export function orcidOf(value: string | null): string | null {
  const m = value ? ORCID.exec(value.trim()) : null;
  return m ? m[1]!.toUpperCase() : null;
}

/**
 * Splits a stored full name: "Family, Given" is taken as written, otherwise the last word is the
 * family name. A single word (or no name: the username) stays whole, without a split.
 */
export function personOf(m: Member): Person {
  const full = (m.fullName ?? '').trim() || m.username;
  let given: string | null = null;
  let family: string | null = null;
  const comma = full.indexOf(',');
  if (comma > 0) {
    family = full.slice(0, comma).trim();
    given = full.slice(comma + 1).trim() || null;
  } else {
    const words = full.split(/\s+/);
    if (words.length > 1) {
      family = words[words.length - 1]!;
      given = words.slice(0, -1).join(' ');
    }
  }
  return {
    name: family && given ? `${family}, ${given}` : full,
    givenName: given,
    familyName: family,
    orcid: orcidOf(m.orcid),
    affiliation: m.affiliation,
  };
}

/** Session members in citation order: principal investigators, collaborators, then local contacts. */
const ROLE_ORDER: Record<string, number> = { principal_investigator: 0, collaborator: 1, local_contact: 2 };

export const creatorsOf = (members: Member[]): Person[] =>
  [...members]
    .sort(
      (a, b) => (ROLE_ORDER[a.role] ?? 9) - (ROLE_ORDER[b.role] ?? 9) || a.username.localeCompare(b.username),
    )
    .map(personOf);

/** "A." style initials for APA: "Ada Maria" → "A. M.". */
export const initials = (given: string): string =>
  given
    .split(/[\s-]+/)
    .filter(Boolean)
    .map((g) => `${g[0]!.toUpperCase()}.`)
    .join(' ');

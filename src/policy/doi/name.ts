import { createHash } from 'node:crypto';

/** A DOI suffix part: lower case (DOIs are case-insensitive), only characters safe in URLs and XML. */
export const sanitiseDoiPart = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '') || 'x';

/** The DOI a session gets: `<prefix>/<facility>.<session id>`, readable and stable once assigned. */
export const sessionDoi = (prefix: string, facility: string, sessionId: string): string =>
  `${prefix}/${sanitiseDoiPart(facility)}.${sanitiseDoiPart(sessionId)}`;

/**
 * Two session ids that sanitise alike ("A B" and "a-b") would get one DOI; the second one gets a
 * short hash of its exact id appended, which is stable too.
 */
export const disambiguatedDoi = (doi: string, sessionId: string): string =>
  `${doi}.${createHash('sha256').update(sessionId).digest('hex').slice(0, 8)}`;

export const doiUrl = (doi: string): string => `https://doi.org/${doi}`;

export const landingPath = (doi: string): string => `/doi/${doi}`;

/** A run cannot go on without someone acting (missing file, no pool for a copy): it fails with this message. */
export class ArchiveFailure extends Error {}

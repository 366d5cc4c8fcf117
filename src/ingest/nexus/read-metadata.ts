import type { File, Group } from 'h5wasm/node';
import type { H5Api } from '../../hdf5/h5wasm.ts';
import { readEntry, type EntryMetadata } from './entry.ts';
import { describeH5Error, isWasmCrash } from './h5-errors.ts';
import { readStringAttribute } from './h5-read.ts';
import { preflightHdf5 } from './preflight.ts';
import { techniquesForDefinition } from './techniques.ts';
import { normaliseNexusTime } from './time.ts';
import type { ExtractResult, NexusMetadata } from './types.ts';
import { DEFAULT_WALK_LIMITS, openObject, type WalkLimits, type WalkState } from './walk.ts';

export interface ReadOptions {
  limits?: WalkLimits;
  maxParameters?: number;
  maxWarnings?: number;
}

/**
 * Reads the metadata of one NeXus/HDF5 file in this thread. Bad files give `{ ok: false, reason }`;
 * only a crash of the wasm runtime itself is thrown, because after one the module cannot be trusted
 * and the caller (a worker) must be replaced. SI values are not filled in here (see `addSIValues`).
 */
export function readNexusMetadata(h5: H5Api, path: string, options: ReadOptions = {}): ExtractResult {
  const preflight = preflightHdf5(path);
  if (!preflight.ok) return preflight;
  let file: File;
  try {
    file = new h5.File(path, 'r');
  } catch (error) {
    if (isWasmCrash(error)) throw error;
    // The file may have vanished or changed since the preflight; say so rather than blame HDF5.
    const again = preflightHdf5(path);
    if (!again.ok) return again;
    return { ok: false, reason: `truncated or corrupt HDF5: ${describeH5Error(error)}` };
  }
  try {
    return { ok: true, metadata: readOpenFile(h5, file, options) };
  } finally {
    try {
      file.close();
    } catch {
      // Closing a file HDF5 already gave up on changes nothing for the result.
    }
  }
}

type TextField = 'title' | 'startTime' | 'endTime' | 'instrument' | 'sampleName';

function readOpenFile(h5: H5Api, file: File, options: ReadOptions): NexusMetadata {
  const state: WalkState = {
    h5,
    file,
    limits: options.limits ?? DEFAULT_WALK_LIMITS,
    warnings: [],
    nodesVisited: 0,
  };
  const metadata: NexusMetadata = { techniques: [], entries: [], parameters: [], warnings: [] };
  const entries = findEntries(state);
  const read: EntryMetadata[] = [];
  for (const entry of entries) {
    metadata.entries.push(entry.path.slice(1));
    read.push(readEntry(state, entry, options.maxParameters ?? 2000));
  }
  // A file with several entries (several scans) is described by the first one that says something.
  const firstWith = (key: TextField) => read.find((entry) => entry[key])?.[key];
  metadata.title = firstWith('title');
  metadata.startTime = normaliseNexusTime(firstWith('startTime'));
  metadata.endTime = normaliseNexusTime(firstWith('endTime'));
  metadata.instrument = firstWith('instrument') ?? readRootAttribute(state, 'instrument');
  metadata.sampleName = firstWith('sampleName');
  const definitions = read.flatMap((entry) => entry.definitions);
  metadata.definition = definitions[0];
  metadata.techniques = [
    ...new Set(definitions.flatMap((definition) => techniquesForDefinition(definition))),
  ];
  metadata.parameters = read.flatMap((entry) => entry.parameters);
  metadata.warnings = capWarnings([...new Set(state.warnings)], options.maxWarnings ?? 100);
  return dropUndefined(metadata);
}

/** NXentry groups at the root; files written without NX_class attributes fall back to `entry*` names. */
function findEntries(state: WalkState): Group[] {
  let names: string[];
  try {
    names = state.file.keys();
  } catch (error) {
    if (isWasmCrash(error)) throw error;
    state.warnings.push(`cannot list the root group: ${describeH5Error(error)}`);
    return [];
  }
  const groups = names
    .map((name) => openObject(state, `/${name}`))
    .filter((object): object is Group => object instanceof state.h5.Group);
  const classOf = (group: Group) => {
    try {
      return readStringAttribute(group, 'NX_class');
    } catch {
      return undefined;
    }
  };
  const entries = groups.filter((group) => classOf(group) === 'NXentry');
  if (entries.length > 0) return entries;
  const named = groups.filter((group) => /^\/entry/i.test(group.path));
  state.warnings.push(
    named.length > 0
      ? 'no group has NX_class=NXentry; reading the groups named entry*'
      : 'no NXentry group: not a NeXus file, or not one we can read',
  );
  return named;
}

function readRootAttribute(state: WalkState, name: string): string | undefined {
  try {
    return readStringAttribute(state.file, name) || undefined;
  } catch {
    return undefined;
  }
}

function capWarnings(warnings: string[], max: number): string[] {
  if (warnings.length <= max) return warnings;
  return [...warnings.slice(0, max), `… and ${warnings.length - max} more warnings`];
}

/** Structured clone keeps `undefined` keys; drop them so results compare and serialise cleanly. */
function dropUndefined(metadata: NexusMetadata): NexusMetadata {
  for (const key of Object.keys(metadata) as Array<keyof NexusMetadata>) {
    if (metadata[key] === undefined) delete metadata[key];
  }
  return metadata;
}

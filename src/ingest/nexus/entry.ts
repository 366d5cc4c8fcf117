import type { Group } from 'h5wasm/node';
import { describeH5Error, isWasmCrash } from './h5-errors.ts';
import { readScalar, readStringAttribute } from './h5-read.ts';
import { groupPolicy, readParameter } from './parameters.ts';
import type { NexusParameter } from './types.ts';
import { openObject, walkTree, type WalkState } from './walk.ts';

/** What one NXentry offers; every field is optional because real files omit any of them. */
export interface EntryMetadata {
  title?: string;
  startTime?: string;
  endTime?: string;
  /** The entry's application definition, then those of its NXsubentry groups. */
  definitions: string[];
  instrument?: string;
  sampleName?: string;
  parameters: NexusParameter[];
}

/** Reads the first-class fields of an NXentry and walks it for parameters. */
export function readEntry(state: WalkState, entry: Group, maxParameters: number): EntryMetadata {
  const result: EntryMetadata = {
    title: readText(state, entry, 'title'),
    startTime: readText(state, entry, 'start_time'),
    endTime: readText(state, entry, 'end_time'),
    definitions: [],
    parameters: [],
  };
  const entryDefinition = readText(state, entry, 'definition');
  if (entryDefinition) result.definitions.push(entryDefinition);
  let instrument: Group | undefined;
  let sample: Group | undefined;
  let nestedSample: Group | undefined;
  let parametersDropped = false;

  walkTree(
    state,
    entry,
    (node) => {
      if (node.kind === 'group') {
        const topLevel = node.trail.length === 0;
        if (topLevel && node.nxClass === 'NXinstrument') instrument ??= node.group;
        // Some writers put NXsample inside NXinstrument; an entry-level one wins when both exist.
        if (node.nxClass === 'NXsample' && topLevel) sample ??= node.group;
        if (node.nxClass === 'NXsample' && !topLevel) nestedSample ??= node.group;
        if (node.nxClass === 'NXsubentry') {
          const definition = readText(state, node.group, 'definition');
          if (definition) result.definitions.push(definition);
        }
        return;
      }
      if (result.parameters.length >= maxParameters) {
        parametersDropped = true;
        return;
      }
      try {
        const parameter = readParameter(node.dataset, node.name, node.trail);
        if (parameter) result.parameters.push(parameter);
      } catch (error) {
        if (isWasmCrash(error)) throw error;
        state.warnings.push(`cannot read ${node.dataset.path}: ${describeH5Error(error)}`);
      }
    },
    groupPolicy,
  );

  if (parametersDropped)
    state.warnings.push(`${entry.path}: kept the first ${maxParameters} parameters only`);
  if (instrument) result.instrument = instrumentName(state, instrument);
  for (const candidate of [sample, nestedSample]) {
    if (!candidate || result.sampleName) continue;
    result.sampleName = readText(state, candidate, 'name') ?? readText(state, candidate, 'sample_name');
  }
  return result;
}

/** NXinstrument/name, else its short_name attribute, else the group's own name if it is not generic. */
function instrumentName(state: WalkState, instrument: Group): string | undefined {
  const fromField = readText(state, instrument, 'name');
  if (fromField) return fromField;
  const shortName = safely(state, () => readStringAttribute(instrument, 'short_name'));
  if (shortName) return shortName;
  const groupName = instrument.path.slice(instrument.path.lastIndexOf('/') + 1);
  return groupName.toLowerCase() === 'instrument' ? undefined : groupName;
}

/** A scalar field as text, or `undefined` if it is absent, not a scalar or unreadable (recorded). */
export function readText(state: WalkState, group: Group, name: string): string | undefined {
  // Listing the group tests existence without resolving links, which could open another file.
  const exists = safely(state, () => group.keys().includes(name), group.path);
  if (!exists) return undefined;
  const path = `${group.path}/${name}`;
  const object = openObject(state, path);
  if (!(object instanceof state.h5.Dataset)) return undefined;
  const read = safely(state, () => readScalar(object), path);
  return read?.kind === 'value' ? String(read.value) : undefined;
}

function safely<T>(state: WalkState, read: () => T, path?: string): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isWasmCrash(error)) throw error;
    state.warnings.push(`cannot read ${path ?? 'attribute'}: ${describeH5Error(error)}`);
    return undefined;
  }
}

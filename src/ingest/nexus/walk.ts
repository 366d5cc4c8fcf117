import type { Dataset, File, Group } from 'h5wasm/node';
import type { H5Api } from '../../hdf5/h5wasm.ts';
import { describeH5Error, isWasmCrash } from './h5-errors.ts';
import { readNxClass } from './h5-read.ts';

/** Limits that keep a pathological file (millions of groups, link cycles) from stalling a worker. */
export interface WalkLimits {
  maxNodes: number;
  maxDepth: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = { maxNodes: 20_000, maxDepth: 16 };

/** One group on the way from the entry to a node: its name and NX_class. */
export interface TrailStep {
  name: string;
  nxClass: string | undefined;
}

export type TreeNode =
  | { kind: 'group'; group: Group; nxClass: string | undefined; trail: readonly TrailStep[] }
  | { kind: 'dataset'; dataset: Dataset; name: string; trail: readonly TrailStep[] };

/**
 * How far to look into a group, by NX_class: `walk` everything; `links-only` checks its direct
 * children for broken and external links but reads nothing (NXdata: plot views of other fields,
 * where detector data often live in external files); `skip` does not open it (NXcollection:
 * free-form dumps of hundreds of control-system values, the bulk of some files' objects).
 */
export type GroupPolicy = 'walk' | 'links-only' | 'skip';

export interface WalkState {
  h5: H5Api;
  file: File;
  limits: WalkLimits;
  warnings: string[];
  nodesVisited: number;
}

/**
 * Opens the object at `path` without ever following an external link (that would open another
 * file, possibly outside the ingested tree). External, broken soft and unknown links are recorded
 * as warnings and give `undefined`.
 */
export function openObject(state: WalkState, path: string): Group | Dataset | undefined {
  const { h5, file, warnings } = state;
  try {
    const external = h5.Module.get_external_link(file.file_id, path);
    if (external.filename) {
      warnings.push(`external link not followed: ${path} → ${external.filename}:${external.obj_path}`);
      return undefined;
    }
    const entity = file.get(path);
    if (entity instanceof h5.Group || entity instanceof h5.Dataset) return entity;
    if (entity instanceof h5.BrokenSoftLink) warnings.push(`broken soft link: ${path} → ${entity.target}`);
    else if (entity === null) warnings.push(`unreadable link: ${path}`);
    return undefined;
  } catch (error) {
    if (isWasmCrash(error)) throw error;
    warnings.push(`cannot open ${path}: ${describeH5Error(error)}`);
    return undefined;
  }
}

/** Visits the groups and datasets below `group`, depth first, within the walk limits and policy. */
export function walkTree(
  state: WalkState,
  group: Group,
  visit: (node: TreeNode) => void,
  policy: (nxClass: string | undefined) => GroupPolicy,
  trail: readonly TrailStep[] = [],
  linksOnly = false,
): void {
  if (trail.length >= state.limits.maxDepth) {
    state.warnings.push(`not descending below ${group.path}: deeper than ${state.limits.maxDepth} levels`);
    return;
  }
  let names: string[];
  try {
    names = group.keys();
  } catch (error) {
    if (isWasmCrash(error)) throw error;
    state.warnings.push(`cannot list ${group.path}: ${describeH5Error(error)}`);
    return;
  }
  for (const name of names) {
    if (state.nodesVisited >= state.limits.maxNodes) {
      state.warnings.push(
        `stopped reading after ${state.limits.maxNodes} objects; the rest of the file was skipped`,
      );
      return;
    }
    state.nodesVisited++;
    const path = group.path === '/' ? `/${name}` : `${group.path}/${name}`;
    const child = openObject(state, path);
    if (linksOnly) continue;
    if (child instanceof state.h5.Group) {
      const nxClass = safeNxClass(state, child);
      const how = policy(nxClass);
      if (how === 'skip') continue;
      visit({ kind: 'group', group: child, nxClass, trail });
      walkTree(state, child, visit, policy, [...trail, { name, nxClass }], how === 'links-only');
    } else if (child) {
      visit({ kind: 'dataset', dataset: child, name, trail });
    }
  }
}

function safeNxClass(state: WalkState, group: Group): string | undefined {
  try {
    return readNxClass(group);
  } catch (error) {
    if (isWasmCrash(error)) throw error;
    state.warnings.push(`cannot read NX_class of ${group.path}: ${describeH5Error(error)}`);
    return undefined;
  }
}

import type { Dataset } from 'h5wasm/node';
import { readScalar, readStringAttribute } from './h5-read.ts';
import type { GroupPolicy, TrailStep } from './walk.ts';
import type { NexusParameter } from './types.ts';

/**
 * Groups not walked for parameters: plotting views that repeat other fields (NXdata), free-form
 * dumps of control-system values (NXcollection), geometry chains that repeat positioner values
 * (NXtransformations), notes and processing records. NXcollection is not even opened (the largest
 * part of some files); the others are checked for broken and external links only.
 */
export function groupPolicy(nxClass: string | undefined): GroupPolicy {
  if (nxClass === 'NXcollection') return 'skip';
  if (nxClass !== undefined && LINKS_ONLY_GROUPS.has(nxClass)) return 'links-only';
  return 'walk';
}

const LINKS_ONLY_GROUPS = new Set(['NXdata', 'NXtransformations', 'NXnote', 'NXprocess']);

/** Entry-level fields already reported as first-class metadata. */
const ENTRY_FIELDS = new Set([
  'title',
  'definition',
  'start_time',
  'end_time',
  'collection_time',
  'duration',
]);

/** Fields that hold paths inside the file, not values. */
const REFERENCE_FIELDS = new Set(['depends_on']);

/** Group classes named by their role rather than their (facility-specific) group name. */
const ROLE_NAMES: Readonly<Record<string, string>> = { NXinstrument: 'instrument', NXsample: 'sample' };

/**
 * `instrument.monochromator.energy` for `/entry/instrument/monochromator/energy`: the path below the
 * entry, with the instrument and sample groups named by role so `DMC/Monochromator/lambda` becomes
 * `instrument.Monochromator.lambda` and names compare across facilities.
 */
export function parameterName(trail: readonly TrailStep[], field: string): string {
  const groups = trail.map((step, depth) =>
    depth === 0 && step.nxClass !== undefined ? (ROLE_NAMES[step.nxClass] ?? step.name) : step.name,
  );
  return [...groups, field].join('.');
}

/** The parameter a field provides, or `undefined` when it is not a scalar setting. Throws read errors. */
export function readParameter(
  dataset: Dataset,
  field: string,
  trail: readonly TrailStep[],
): NexusParameter | undefined {
  if (REFERENCE_FIELDS.has(field) || (trail.length === 0 && ENTRY_FIELDS.has(field))) return undefined;
  const read = readScalar(dataset);
  if (read.kind !== 'value') return undefined;
  const parameter: NexusParameter = {
    name: parameterName(trail, field),
    path: dataset.path,
    value: read.value,
  };
  const unit = readStringAttribute(dataset, 'units');
  if (unit) parameter.unit = unit;
  return parameter;
}

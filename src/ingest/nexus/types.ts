/** One scalar field found in a NeXus file, e.g. `instrument.monochromator.energy = 16.9 keV`. */
export interface NexusParameter {
  /**
   * Dotted name relative to its entry: `sample.temperature`, `instrument.monochromator.energy`
   * (files with several entries can repeat a name; `path` is unique).
   */
  name: string;
  /** HDF5 path of the field: `/entry/instrument/monochromator/energy`. */
  path: string;
  value: number | string;
  /** The `units` attribute as written in the file (trimmed, mis-decoded UTF-8 repaired). */
  unit?: string;
  /** `value` in true SI units (J, m, K, s, Pa, rad, Hz, ...; `1` for dimensionless), when convertible. */
  siValue?: number;
  siUnit?: string;
}

export interface NexusMetadata {
  title?: string;
  /** ISO 8601 in UTC when parsable (zone-less times are read as UTC), else the text as written. */
  startTime?: string;
  endTime?: string;
  /** Instrument name (NXinstrument/name, else its short_name, else the group's own name). */
  instrument?: string;
  sampleName?: string;
  /** Application definition of the first entry that declares one: NXmx, NXtomo, NXsas, ... */
  definition?: string;
  /** PaNET technique ids derived from the application definitions of all entries. */
  techniques: string[];
  /** Names of the NXentry groups at the file root. */
  entries: string[];
  parameters: NexusParameter[];
  /** What could not be read: broken or external links, unreadable fields, exhausted walk budget. */
  warnings: string[];
}

export type ExtractResult = { ok: true; metadata: NexusMetadata } | { ok: false; reason: string };

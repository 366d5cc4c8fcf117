import type { ExtractResult } from './nexus/index.ts';
import type { FileRecord } from './register.ts';

/**
 * What a NeXus read puts in the catalogue: the file's metadata (without the parameter list, which
 * goes to the parameter table) or the reason it could not be read.
 */
export function nexusRecord(result: ExtractResult): Pick<FileRecord, 'metadata' | 'parameters'> {
  if (!result.ok) return { metadata: { nexusError: result.reason }, parameters: [] };
  const { parameters, ...rest } = result.metadata;
  return {
    metadata: { nexus: { ...rest, parameterCount: parameters.length } },
    parameters: parameters.map((p) => ({
      name: p.name,
      value: p.value,
      unit: p.unit ?? null,
      siValue: p.siValue ?? null,
      siUnit: p.siUnit ?? null,
    })),
  };
}

import { toSI } from '../../units/convert.ts';
import type { ExtractResult } from './types.ts';

/**
 * Fills `siValue`/`siUnit` of every numeric parameter whose unit we can convert. Done on the calling
 * thread rather than in the workers: mathjs takes about a second to load, and a replaced worker
 * should be back in service in the time h5wasm alone needs.
 */
export function addSIValues(result: ExtractResult): ExtractResult {
  if (!result.ok) return result;
  for (const parameter of result.metadata.parameters) {
    if (typeof parameter.value !== 'number' || parameter.unit === undefined) continue;
    const si = toSI(parameter.value, parameter.unit);
    if (!si) continue;
    parameter.siValue = si.value;
    parameter.siUnit = si.unit;
  }
  return result;
}

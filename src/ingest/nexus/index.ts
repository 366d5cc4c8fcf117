/** NeXus/HDF5 metadata extraction for ingest (issue #4): see extractor.ts for the entry points. */
export { createNexusExtractor, extractNexusMetadata } from './extractor.ts';
export type { NexusExtractor, NexusExtractorOptions } from './extractor.ts';
export { readNexusMetadata } from './read-metadata.ts';
export { techniquesForDefinition } from './techniques.ts';
export type { ExtractResult, NexusMetadata, NexusParameter } from './types.ts';

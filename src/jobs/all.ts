import type { JobDefinition } from './registry.ts';
import { releaseJob } from '../policy/jobs.ts';
import { archiveJob, recallJob } from '../archive/workflow/jobs.ts';

/** Every background job fairbeam runs. Features add theirs here. */
export const allJobs: JobDefinition[] = [
  releaseJob as JobDefinition,
  archiveJob as JobDefinition,
  recallJob as JobDefinition,
];

import type { Me } from '../../api/types.ts';

/** The tape page is for data managers and admins (staff may read the API, but the page is not theirs). */
export const managesTape = (me: Me | undefined) =>
  me?.kind === 'user' && (me.role === 'data_manager' || me.role === 'admin');

/** The archive workflow's steps in order; a run's progress is how far along them it is. */
export const ARCHIVE_STEPS = ['pack', 'write', 'verify', 'catalogue', 'release', 'done'] as const;

export const STEP_LABEL: Record<string, string> = {
  pack: 'Packing small files',
  write: 'Writing two copies',
  verify: 'Verifying (read back)',
  catalogue: 'Cataloguing',
  release: 'Releasing disk',
  done: 'Done',
  failed: 'Failed',
};

/** 0–1 along the steps; a failed run shows no progress. */
export function stepProgress(step: string): number {
  const i = ARCHIVE_STEPS.indexOf(step as (typeof ARCHIVE_STEPS)[number]);
  return i < 0 ? 0 : i / (ARCHIVE_STEPS.length - 1);
}

export const percent = (fraction: number) =>
  `${(Math.min(Math.max(fraction, 0), 1) * 100).toFixed(fraction > 0 && fraction < 0.01 ? 2 : 1)} %`;

import type { PolicyRequest } from '../../api/types.ts';

export const KIND_LABEL: Record<PolicyRequest['kind'], string> = {
  extension: 'Embargo extension',
  early_release: 'Early release',
};

export const STATUS_LABEL: Record<PolicyRequest['status'], string> = {
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
};

/** Data managers and admins decide embargo requests. */
export const decidesRequests = (role: string | null | undefined) =>
  role === 'data_manager' || role === 'admin';

import { formatDate } from './format.ts';

const LockIcon = () => (
  <svg className="badge-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
    <path
      fill="currentColor"
      d="M8 1a3.5 3.5 0 0 0-3.5 3.5V7H4a1 1 0 0 0-1 1v6a1 1 0 0 0 1 1h8a1 1 0 0 0 1-1V8a1 1 0 0 0-1-1h-.5V4.5A3.5 3.5 0 0 0 8 1Zm-2 6V4.5a2 2 0 1 1 4 0V7H6Z"
    />
  </svg>
);

const OpenIcon = () => (
  <svg className="badge-icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true" focusable="false">
    <path fill="currentColor" d="M6.4 11.6 3 8.2l1.1-1.1 2.3 2.3 5.5-5.5L13 5z" />
  </svg>
);

/** "Public · CC-BY-4.0" or "Embargoed until 5 Jan 2029": the one fact a visitor needs first. */
export function ReleaseBadge({
  isPublic,
  license,
  releaseDate,
}: {
  isPublic: boolean;
  license: string;
  releaseDate?: string;
}) {
  if (isPublic) {
    return (
      <span className="badge badge-public" data-testid="badge-public">
        <OpenIcon />
        Public · {license}
      </span>
    );
  }
  return (
    <span
      className="badge badge-embargoed"
      data-testid="badge-embargoed"
      title="Visible to its experimenters and facility staff only"
    >
      <LockIcon />
      {releaseDate ? `Embargoed until ${formatDate(releaseDate)}` : 'Embargoed'}
    </span>
  );
}

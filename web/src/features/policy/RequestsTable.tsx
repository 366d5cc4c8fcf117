import { Link } from 'react-router';
import type { PolicyRequest } from '../../api/types.ts';
import { formatDate, formatDateTime } from '../../components/format.ts';
import { sessionPath } from '../../components/paths.ts';
import { DecideControls } from './DecideControls.tsx';
import { KIND_LABEL, STATUS_LABEL } from './labels.ts';
import { Table } from '../../components/Table.tsx';

/** Embargo requests with their decisions; pending ones get decision controls when `canDecide`. */
export function RequestsTable({
  requests,
  canDecide,
  showSession,
  onDecided,
}: {
  requests: PolicyRequest[];
  canDecide: boolean;
  showSession?: boolean;
  onDecided: () => void;
}) {
  return (
    <Table
      columns={['#', showSession && 'Session', 'Request', 'Reason', 'Asked', 'Status', 'Decision']}
      testId="policy-requests"
    >
      {requests.map((r) => (
        <tr key={r.id} data-testid="policy-request" data-status={r.status} data-kind={r.kind}>
          <td className="mono">{r.id}</td>
          {showSession && (
            <td>
              <Link to={sessionPath(r.sessionId)}>{r.sessionId}</Link>
              <div className="muted small">embargoed until {formatDate(r.releaseDate)}</div>
            </td>
          )}
          <td>
            {KIND_LABEL[r.kind]}
            {r.requestedReleaseDate && <> until {formatDate(r.requestedReleaseDate)}</>}
          </td>
          <td>{r.reason}</td>
          <td>
            {r.requestedBy}
            <div className="muted small">{formatDateTime(r.requestedAt)}</div>
          </td>
          <td data-testid="policy-request-status">{STATUS_LABEL[r.status]}</td>
          <td>
            {r.status === 'pending' ? (
              canDecide ? (
                <DecideControls request={r} onDecided={onDecided} />
              ) : (
                <span className="muted">awaiting a data manager</span>
              )
            ) : (
              <>
                {r.decidedBy}
                {r.decidedAt && <div className="muted small">{formatDateTime(r.decidedAt)}</div>}
                {r.decisionNote && <div>“{r.decisionNote}”</div>}
              </>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}

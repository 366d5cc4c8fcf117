import { isFacilityStaff, useAuth } from '../../api/auth.tsx';
import { useResource } from '../../api/hooks.ts';
import { type SessionContainers as Recorded, tapeApi } from '../../api/tape.ts';
import { EmptyState, ErrorMessage, Loading } from '../../components/States.tsx';
import { Table } from '../../components/Table.tsx';
import { formatBytes, formatCount, formatDateTime } from '../../components/format.ts';

type Pack = Recorded['packs'][number];

/**
 * The session's HDF5 containers as `fairbeam archive pack --session` recorded them, for facility
 * staff (the API answers them only): where each pack went, its containers with their checksums and
 * how many registered files they hold, and the files that go to tape whole.
 */
export function SessionContainers({ sessionId }: { sessionId: string }) {
  const { me } = useAuth();
  const staff = isFacilityStaff(me);
  if (!staff) return null;
  return <ContainersSection sessionId={sessionId} />;
}

function ContainersSection({ sessionId }: { sessionId: string }) {
  const recorded = useResource((signal) => tapeApi.sessionContainers(sessionId, signal), [sessionId]);
  return (
    <section aria-labelledby="containers-title" className="section" data-testid="session-containers">
      <h2 id="containers-title">Archive containers</h2>
      {recorded.error ? (
        <ErrorMessage error={recorded.error} what="list" />
      ) : !recorded.data ? (
        <Loading label="Loading containers…" />
      ) : recorded.data.packs.length === 0 ? (
        <EmptyState title="No containers are recorded for this session.">
          <code>fairbeam archive pack DIR --out OUT --session {sessionId}</code> records them.
        </EmptyState>
      ) : (
        recorded.data.packs.map((p, i) => <PackDetails key={p.id} pack={p} apart={i > 0} />)
      )}
    </section>
  );
}

function PackDetails({ pack, apart }: { pack: Pack; apart: boolean }) {
  return (
    <div className={apart ? 'section' : undefined} data-testid="session-pack" data-out-dir={pack.outDir}>
      <p>
        <span className="mono">{pack.source}</span> packed into <span className="mono">{pack.outDir}</span>:{' '}
        {formatCount(pack.files)} files, {formatBytes(pack.bytes)} in {formatCount(pack.containers.length)}{' '}
        container(s); recorded {formatDateTime(pack.recordedAt)}.
      </p>
      <Table
        columns={['Container', 'Members', 'Size', 'Registered files', 'Created', 'sha256']}
        testId="session-container-table"
      >
        {pack.containers.map((c) => (
          <tr key={c.name} data-testid="session-container" data-name={c.name}>
            <td className="mono">{c.name}</td>
            <td>{formatCount(c.members)}</td>
            <td>{formatBytes(c.fileSize)}</td>
            <td data-testid="session-container-datafiles">{formatCount(c.datafiles)}</td>
            <td>{formatDateTime(c.created)}</td>
            <td className="mono small" title={c.sha256}>
              {c.sha256.slice(0, 12)}…
            </td>
          </tr>
        ))}
      </Table>
      {pack.ownTapeFiles.length > 0 && (
        <div className="section">
          <h3>Own tape files</h3>
          <Table columns={['Path', 'Size', 'Why']} testId="session-own-tape-files">
            {pack.ownTapeFiles.map((f) => (
              <tr key={f.path} data-testid="session-own-tape-file">
                <td className="mono">{f.path}</td>
                <td>{formatBytes(f.size)}</td>
                <td>{f.reason === 'large' ? 'above the large-file threshold' : 'already HDF5'}</td>
              </tr>
            ))}
          </Table>
        </div>
      )}
      {pack.problems.length > 0 && (
        <p className="error-text" data-testid="session-pack-problems">
          Not packed: {pack.problems.map((x) => `${x.path} (${x.reason})`).join(', ')}
        </p>
      )}
    </div>
  );
}

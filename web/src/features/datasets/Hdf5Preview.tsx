import type { Datafile } from '../../api/types.ts';
import { EmptyState } from '../../components/States.tsx';

const HDF5_NAME = /\.(nxs|nx5|h5|hdf5|hdf|he5|nexus)$/i;

/** Whether the portal offers an HDF5 preview for this file (by name; the viewer reports bad content). */
export const isHdf5Name = (path: string) => HDF5_NAME.test(path);

/**
 * The @h5web viewer for one HDF5/NeXus file. It runs in its own page (dist/web/preview), built with
 * React 18 which @h5web needs, inside an iframe; the browser sends the portal's cookie with its
 * request for the file, so the usual access policy applies.
 */
export function Hdf5Preview({ file }: { file: Datafile | null }) {
  if (!file) return <EmptyState title="This dataset has no HDF5 or NeXus file to preview." />;
  const name = file.path.split('/').pop() ?? file.path;
  if (file.state === 'offline' || file.state === 'restoring')
    return <EmptyState title={`${name} is on tape; download it to restore it, then preview it.`} />;
  const src = `/preview/?file=${file.id}&name=${encodeURIComponent(name)}`;
  return (
    <div className="hdf5-preview">
      <p className="muted small">
        <span className="mono">{file.path}</span> in H5Web —{' '}
        <a href={src} target="_blank" rel="noreferrer">
          open in a new tab
        </a>
      </p>
      <iframe
        key={file.id}
        src={src}
        title={`HDF5 preview of ${file.path}`}
        data-testid="hdf5-preview-frame"
        className="hdf5-preview-frame"
      />
    </div>
  );
}

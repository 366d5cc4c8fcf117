import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import { checkRelativePath, resolveDataDirectory } from './paths.ts';
import { ensureDataset, setDatasetRoot, summariseDataset, type DatasetSpec } from './dataset.ts';
import { registerManifest } from './manifest.ts';
import { ingestDirectory } from './run.ts';
import { extractNexusMetadata } from './nexus/index.ts';
import { audit } from '../audit/log.ts';
import type { FileProblem } from './scan.ts';

export interface RegistrationRequest extends DatasetSpec {
  /** Absolute directory under a data root: scanned when no file list is given, else the files' root. */
  directory?: string;
  files?: { path: string; size: number; sha256?: string; mtime?: string }[];
}

export interface RegistrationResult {
  pid: string;
  created: boolean;
  registered: number;
  bytes: number;
  errors: FileProblem[];
}

/** Registers a dataset from a file list or by scanning a directory (authorisation already checked). */
export async function registerDataset(
  db: Db,
  req: RegistrationRequest,
  ctx: { dataRoots: string[]; doiPrefix: string; actor: string },
): Promise<RegistrationResult> {
  if (!req.files && req.directory === undefined) {
    throw new AppError(
      'files_or_directory_required',
      400,
      'Send "files" (a list to register) or "directory" (to scan), or both',
    );
  }
  const bad: { pointer: string; path: string; reason: string }[] = [];
  (req.files ?? []).forEach((f, i) => {
    const why = checkRelativePath(f.path);
    if (why) bad.push({ pointer: `/files/${i}/path`, path: f.path, reason: `path ${why}` });
  });
  if (bad.length)
    throw new AppError(
      'invalid_file_path',
      400,
      `File paths must be relative, without "." or ".." segments: ${bad[0]!.path}`,
      bad,
    );
  const seen = new Set<string>();
  for (const f of req.files ?? []) {
    if (seen.has(f.path))
      throw new AppError('duplicate_file_path', 400, `The file ${f.path} is listed twice`);
    seen.add(f.path);
  }
  const directory =
    req.directory === undefined ? undefined : await resolveDataDirectory(req.directory, ctx.dataRoots);
  const existed = (tx: Db) =>
    tx
      .selectFrom('dataset')
      .select('pid')
      .where('session_id', '=', req.sessionId)
      .where('name', '=', req.name)
      .executeTakeFirst()
      .then((d) => d !== undefined);

  if (!req.files) {
    const created = !(await existed(db));
    const extractor = { extract: extractNexusMetadata, close: async () => {} };
    const s = await ingestDirectory(db, {
      dataset: req,
      directory: directory!,
      actor: ctx.actor,
      doiPrefix: ctx.doiPrefix,
      extractor,
    });
    return { pid: s.pid, created, registered: s.registered, bytes: s.bytes, errors: s.errors };
  }
  const rows = req.files.map((f) => ({
    path: f.path,
    size: f.size,
    sha256: f.sha256?.toLowerCase() ?? null,
    mtime: f.mtime ? new Date(f.mtime) : null,
    metadata: {},
  }));
  const bytes = rows.reduce((s, f) => s + f.size, 0);
  let created = false;
  // The dataset, its files and the audit entry in one transaction (per 10,000 files).
  const { pid, bulk } = await registerManifest(
    db,
    {
      open: async (tx) => {
        created = !(await existed(tx));
        const pid = await ensureDataset(tx, req, ctx.doiPrefix);
        if (directory) await setDatasetRoot(tx, pid, directory);
        return pid;
      },
      close: (tx, pid) =>
        audit(tx, {
          actor: ctx.actor,
          action: 'dataset.register',
          target: pid,
          details: { files: rows.length, bytes, directory: directory ?? null },
        }),
    },
    rows,
  );
  // Summarised in registerManifest's transaction when the files went in as one bulk insert.
  if (!bulk) await summariseDataset(db, pid);
  return { pid, created, registered: rows.length, bytes, errors: [] };
}

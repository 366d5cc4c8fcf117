import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Services } from '../../services.ts';
import { requireRole } from '../../http/auth.ts';
import { audit } from '../../audit/log.ts';
import { actorName, PRIVILEGED_ROLES } from '../../auth/caller.ts';
import { AppError } from '../../errors.ts';
import { tapeContextOf } from './context.ts';
import { addCartridges, saveLibrary, savePool } from './libraries.ts';
import { queueRecalls } from './recalls.ts';
import { releaseDisk } from './release.ts';
import { requestArchive } from './runs.ts';
import { datasetArchiveStatus, listCartridges, listDrives, recallQueue, tapeStatus } from './status.ts';
import { LibraryBody, Cartridge, Drive, Queue, Status, FileArchive, Policy, Ok, errors } from './wire.ts';

/**
 * /api/admin/tape/... and /api/admin/archive/...: what the operators' portal page needs. Staff may
 * look; data managers and admins configure libraries, request archiving, release disk and restore.
 */
export const tapeAdminRoutes =
  (services: Services): FastifyPluginAsyncTypebox =>
  async (app) => {
    const db = services.database.db;
    const tags = ['tape'];
    const manage = (req: Parameters<typeof requireRole>[0]) => requireRole(req, 'data_manager', 'admin');
    const look = (req: Parameters<typeof requireRole>[0]) => requireRole(req, ...PRIVILEGED_ROLES);

    app.get(
      '/admin/tape/status',
      {
        schema: {
          tags,
          summary: 'Libraries, cartridges, queue and throughput',
          response: { 200: Status, ...errors },
        },
      },
      async (req) => {
        look(req);
        return tapeStatus(db);
      },
    );
    app.get(
      '/admin/tape/cartridges',
      {
        schema: {
          tags,
          summary: 'Cartridges with pool, fill, errors, state',
          response: { 200: Type.Array(Cartridge), ...errors },
        },
      },
      async (req) => {
        look(req);
        return listCartridges(db);
      },
    );
    app.get(
      '/admin/tape/drives',
      {
        schema: {
          tags,
          summary: 'Drives: loaded cartridge, errors, bytes moved',
          response: { 200: Type.Array(Drive), ...errors },
        },
      },
      async (req) => {
        look(req);
        return listDrives(db, tapeContextOf(services).libraries);
      },
    );
    app.get(
      '/admin/tape/queue',
      {
        schema: {
          tags,
          summary: 'Recall queue and recent archive runs',
          querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }),
          response: { 200: Queue, ...errors },
        },
      },
      async (req) => {
        look(req);
        return recallQueue(db, req.query.limit ?? 200);
      },
    );

    app.put(
      '/admin/tape/libraries/:name',
      {
        schema: {
          tags,
          summary: 'Add or reconfigure a tape library',
          params: Type.Object({ name: Type.String() }),
          body: LibraryBody,
          response: { 200: Ok, ...errors },
        },
      },
      async (req) => {
        manage(req);
        await saveLibrary(db, { name: req.params.name, ...req.body });
        await audit(db, {
          actor: actorName(req.caller),
          action: 'tape.library.save',
          target: `tape_library:${req.params.name}`,
          details: { ...req.body },
        });
        return { ok: true as const };
      },
    );
    app.put(
      '/admin/tape/pools/:name',
      {
        schema: {
          tags,
          summary: 'Add or change a pool (copy 1 or copy 2 of every file)',
          params: Type.Object({ name: Type.String() }),
          body: Type.Object({ library: Type.String(), copy: Type.Union([Type.Literal(1), Type.Literal(2)]) }),
          response: { 200: Ok, ...errors },
        },
      },
      async (req) => {
        manage(req);
        await savePool(db, req.params.name, req.body.library, req.body.copy);
        await audit(db, {
          actor: actorName(req.caller),
          action: 'tape.pool.save',
          target: `tape_pool:${req.params.name}`,
          details: { ...req.body },
        });
        return { ok: true as const };
      },
    );
    app.post(
      '/admin/tape/cartridges',
      {
        schema: {
          tags,
          summary: 'Register cartridges in a pool',
          body: Type.Object({
            pool: Type.String(),
            barcodes: Type.Array(Type.String(), { minItems: 1, maxItems: 10_000 }),
            capacity: Type.Optional(Type.Integer({ minimum: 1 })),
          }),
          response: { 200: Ok, ...errors },
        },
      },
      async (req) => {
        manage(req);
        await addCartridges(db, req.body.pool, req.body.barcodes, { capacity: req.body.capacity });
        await audit(db, {
          actor: actorName(req.caller),
          action: 'tape.cartridges.add',
          target: `tape_pool:${req.body.pool}`,
          details: { barcodes: req.body.barcodes },
        });
        return { ok: true as const };
      },
    );

    const policyOf = async () => {
      const p = await db.selectFrom('archive_policy').selectAll().executeTakeFirstOrThrow();
      return {
        enabled: p.enabled,
        minAgeDays: p.min_age_days,
        minBytes: p.min_bytes === null ? null : Number(p.min_bytes),
        release: p.release,
        containerBytes: Number(p.container_bytes),
        largeFileBytes: Number(p.large_file_bytes),
      };
    };
    app.get(
      '/admin/archive/policy',
      { schema: { tags, summary: 'The archiving policy', response: { 200: Policy, ...errors } } },
      async (req) => {
        look(req);
        return policyOf();
      },
    );
    app.patch(
      '/admin/archive/policy',
      {
        schema: {
          tags,
          summary: 'Change the archiving policy',
          body: Type.Partial(Policy),
          response: { 200: Policy, ...errors },
        },
      },
      async (req) => {
        manage(req);
        const b = req.body;
        const set = {
          ...(b.enabled !== undefined && { enabled: b.enabled }),
          ...(b.minAgeDays !== undefined && { min_age_days: b.minAgeDays }),
          ...(b.minBytes !== undefined && { min_bytes: b.minBytes }),
          ...(b.release !== undefined && { release: b.release }),
          ...(b.containerBytes !== undefined && { container_bytes: b.containerBytes }),
          ...(b.largeFileBytes !== undefined && { large_file_bytes: b.largeFileBytes }),
        };
        if (Object.keys(set).length) await db.updateTable('archive_policy').set(set).execute();
        await audit(db, { actor: actorName(req.caller), action: 'archive.policy', details: { ...b } });
        return policyOf();
      },
    );

    app.post(
      '/admin/archive/requests',
      {
        schema: {
          tags,
          summary: 'Queue a dataset for archiving now (the worker writes two verified tape copies)',
          body: Type.Object({
            dataset: Type.String({ minLength: 1 }),
            release: Type.Optional(Type.Boolean()),
          }),
          response: {
            202: Type.Object({
              id: Type.Integer(),
              datasetPid: Type.String(),
              step: Type.String(),
              error: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        manage(req);
        const run = await requestArchive(db, req.body.dataset, {
          actor: actorName(req.caller),
          release: req.body.release,
        });
        await audit(db, {
          actor: actorName(req.caller),
          action: 'archive.request',
          target: req.body.dataset,
          details: { run: run.id },
        });
        return reply.status(202).send(run);
      },
    );
    app.get(
      '/admin/archive/datasets/:pid',
      {
        schema: {
          tags,
          summary: "Each file's state and tape copies",
          params: Type.Object({ pid: Type.String() }),
          response: { 200: Type.Array(FileArchive), ...errors },
        },
      },
      async (req) => {
        look(req);
        return datasetArchiveStatus(db, req.params.pid);
      },
    );
    app.post(
      '/admin/archive/datasets/:pid/release',
      {
        schema: {
          tags,
          summary: 'Release disk copies of files with two verified tape copies; others are refused by path',
          params: Type.Object({ pid: Type.String() }),
          response: {
            200: Type.Object({
              released: Type.Integer(),
              bytes: Type.Number(),
              refused: Type.Array(Type.Object({ path: Type.String(), reason: Type.String() })),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        manage(req);
        const r = await releaseDisk(db, req.params.pid, services.config.dataRoots);
        await audit(db, {
          actor: actorName(req.caller),
          action: 'archive.release',
          target: req.params.pid,
          details: { released: r.released, refused: r.refused.length },
        });
        return r;
      },
    );
    app.post(
      '/admin/restore',
      {
        schema: {
          tags,
          summary: 'Queue offline files (of datasets or by id) to come back from tape, in place',
          body: Type.Object({
            datasets: Type.Optional(Type.Array(Type.String(), { maxItems: 1000 })),
            files: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 100_000 })),
          }),
          response: { 202: Type.Object({ recalls: Type.Array(Type.Integer()) }), ...errors },
        },
      },
      async (req, reply) => {
        manage(req);
        const ids = new Set(req.body.files ?? []);
        if (req.body.datasets?.length) {
          const rows = await db
            .selectFrom('datafile')
            .select('id')
            .where('dataset_pid', 'in', req.body.datasets)
            .execute();
          for (const r of rows) ids.add(r.id);
        }
        if (ids.size === 0) throw new AppError('empty_restore', 400, 'Give datasets or files to restore');
        const recalls = await queueRecalls(db, [...ids], { actor: actorName(req.caller) });
        await audit(db, {
          actor: actorName(req.caller),
          action: 'restore.request',
          details: { files: ids.size, recalls: recalls.length },
        });
        return reply.status(202).send({ recalls });
      },
    );
  };

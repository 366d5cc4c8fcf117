// A worker process for the kill -9 test: advances every unfinished archive run, printing one line per
// step or tape file written, so the test can kill it at a chosen point.
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/open.ts';
import { createTapeContext } from '../../src/archive/workflow/context.ts';
import { advanceAllRuns } from '../../src/archive/workflow/runs.ts';

const config = loadConfig();
const database = await openDatabase(config, 'archive-child');
const ctx = createTapeContext(database.db, { home: config.home, dataRoots: config.dataRoots });
await advanceAllRuns(ctx, (p) =>
  process.stderr.write(
    `run ${p.runId} ${p.step}${p.write ? ` copy ${p.write.copy} ${p.write.written}/${p.write.total}` : ''}\n`,
  ),
);
await database.close();
process.exit(0);

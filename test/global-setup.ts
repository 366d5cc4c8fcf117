import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { buildPgliteTemplate, buildPostgresTemplate } from './helpers/template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

/** Runs once per test run: migrated templates that every test database is cloned from. */
export default async function setup(project: TestProject) {
  const file = await buildPgliteTemplate();
  project.provide('pgliteTemplate', file);
  if (process.env.TEST_DATABASE_URL) await buildPostgresTemplate(process.env.TEST_DATABASE_URL);
  return () => fs.rmSync(file, { force: true });
}

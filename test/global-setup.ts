import fs from 'node:fs';
import type { TestProject } from 'vitest/node';
import { buildPgliteTemplate, buildPostgresTemplate, dropPostgresTemplate } from './helpers/template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
    /** the migrated PostgreSQL template of this run ('' without TEST_DATABASE_URL) */
    postgresTemplate: string;
  }
}

/** Runs once per test run: migrated templates that every test database is cloned from. */
export default async function setup(project: TestProject) {
  const file = await buildPgliteTemplate();
  project.provide('pgliteTemplate', file);
  const url = process.env.TEST_DATABASE_URL;
  const template = url ? await buildPostgresTemplate(url) : '';
  project.provide('postgresTemplate', template);
  return async () => {
    fs.rmSync(file, { force: true });
    if (url && template) await dropPostgresTemplate(url, template);
  };
}

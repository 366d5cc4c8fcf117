// `npm run bench [-- NAME...]`: runs the benchmarks in bench/NAME.ts (all when none is named), prints
// their markdown and writes each into its own marked section of docs/PERFORMANCE.md.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const docPath = path.join(here, '..', 'docs', 'PERFORMANCE.md');
const available = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'util.ts'].includes(f) && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

export function writeSection(name: string, markdown: string): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  let doc = fs.existsSync(docPath) ? fs.readFileSync(docPath, 'utf8') : '# Performance\n';
  const block = `${begin}\n${markdown.trim()}\n${end}`;
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  doc =
    a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n${block}\n`;
  fs.writeFileSync(docPath, doc);
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted) {
  if (!available.includes(name)) {
    console.error(`bench: no benchmark "${name}"; have: ${available.join(', ')}`);
    process.exit(2);
  }
}
for (const name of wanted.length ? wanted : available) {
  console.error(`bench: ${name} ...`);
  const mod = (await import(path.join(here, `${name}.ts`))) as { run?: () => Promise<string> };
  if (typeof mod.run !== 'function') continue;
  const markdown = await mod.run();
  console.log(markdown);
  writeSection(name, markdown);
}

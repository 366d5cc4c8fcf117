import { spawnSync } from 'node:child_process';

/** xmllint (Debian libxml2-utils) checks well-formedness and answers XPath questions in tests. */
export const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;

/**
 * Whether a test that needs xmllint runs: always in CI (where a missing xmllint must fail the
 * run, not skip it), elsewhere only when it is installed.
 */
export const runXmlTests = hasXmllint || Boolean(process.env.CI);
export const XMLLINT_SKIP_REASON = 'xmllint is not installed (apt-get install libxml2-utils); required in CI';

/** Throws with xmllint's message unless `xml` is well-formed. */
export function assertWellFormed(xml: string): void {
  const r = spawnSync('xmllint', ['--noout', '-'], { input: xml, encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`not well-formed XML: ${r.stderr}\n${xml.slice(0, 2000)}`);
}

/** Evaluates an XPath 1.0 expression (use `string(...)`/`count(...)` for scalars). */
export function xpath(xml: string, expr: string): string {
  const r = spawnSync('xmllint', ['--xpath', expr, '-'], { input: xml, encoding: 'utf8' });
  if (r.error) throw r.error;
  // xmllint exits 10 when the XPath result is empty
  return r.status === 0 ? r.stdout.trim() : '';
}

/** Namespace-aware step: element `name` in namespace `ns`. */
export const n = (ns: string, name: string) => `*[local-name()='${name}' and namespace-uri()='${ns}']`;

/** The string values of every node an XPath selects. */
export function values(xml: string, expr: string): string[] {
  const count = Number(xpath(xml, `count(${expr})`));
  return Array.from({ length: count }, (_, i) => xpath(xml, `string((${expr})[${i + 1}])`));
}

/** Minimal XML writing: escaped text and attributes, elements as nested strings. */

// Characters XML 1.0 forbids (control characters other than tab, newline, carriage return).
const ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export const escapeXml = (s: string): string =>
  s
    .replace(ILLEGAL, '')
    .replace(
      /[<>&"']/g,
      (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
    );

export type Attrs = Record<string, string | number | undefined | null>;

const attrs = (a: Attrs = {}): string =>
  Object.entries(a)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`)
    .join('');

/** An element with text content (escaped). */
export const text = (name: string, value: string | number, a?: Attrs): string =>
  `<${name}${attrs(a)}>${escapeXml(String(value))}</${name}>`;

/** An element with child elements (already XML); empty children give `<name/>`. */
export const el = (
  name: string,
  a: Attrs | undefined,
  ...children: (string | false | null | undefined)[]
): string => {
  const inner = children.filter((c): c is string => typeof c === 'string').join('');
  return inner ? `<${name}${attrs(a)}>${inner}</${name}>` : `<${name}${attrs(a)}/>`;
};

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

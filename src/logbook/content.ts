import sanitizeHtml from 'sanitize-html';
import { Marked } from 'marked';
import type { ContentFormat } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/** Largest event text (characters) accepted; bigger content belongs in an attachment. */
export const MAX_CONTENT_CHARS = 64 * 1024;

/**
 * The allow-list. Everything not named here is dropped: scripts, iframes, svg, forms, style
 * attributes, event handlers, and any URL scheme but http(s)/mailto (images: http(s) and our own
 * relative attachment URLs). Links open without giving the target page a handle on ours.
 */
const POLICY: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'blockquote',
    'pre',
    'code',
    'span',
    'div',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'del',
    'ins',
    'sub',
    'sup',
    'mark',
    'small',
    'kbd',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'a',
    'img',
    'table',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
    'caption',
  ],
  allowedAttributes: {
    a: ['href', 'title'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    th: ['colspan', 'rowspan', 'align'],
    td: ['colspan', 'rowspan', 'align'],
    code: ['class'],
    ol: ['start'],
  },
  allowedClasses: { code: [/^language-[\w-]+$/] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }),
  },
};
// transformTags adds rel/target after filtering; allow them on the way out.
POLICY.allowedAttributes = {
  ...(POLICY.allowedAttributes as Record<string, string[]>),
  a: ['href', 'title', 'rel', 'target'],
};

export function sanitize(html: string): string {
  return sanitizeHtml(html, POLICY);
}

const markdown = new Marked({ gfm: true, breaks: true, async: false });

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Plain text of sanitised HTML: what search indexes and the PDF prints. */
export function htmlToText(html: string): string {
  const blocks = html.replace(/<(br|\/p|\/div|\/h\d|\/li|\/tr|\/pre|\/blockquote)\s*\/?>/gi, '$&\n');
  const text = sanitizeHtml(blocks, { allowedTags: [], allowedAttributes: {} });
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface RenderedContent {
  format: ContentFormat;
  /** What is stored as the content text: as sent, except HTML, which is stored sanitised. */
  text: string;
  html: string;
  plain: string;
}

/** Checks the size, sanitises and renders content once, on the way in. */
export function renderContent(format: ContentFormat, text: string): RenderedContent {
  if (text.length > MAX_CONTENT_CHARS) {
    throw new AppError(
      'content_too_large',
      413,
      `Event content is limited to ${MAX_CONTENT_CHARS} characters; attach larger text as a file`,
    );
  }
  switch (format) {
    case 'plainText':
      return { format, text, html: `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>`, plain: text };
    case 'markdown': {
      const html = sanitize(markdown.parse(text) as string);
      return { format, text, html, plain: htmlToText(html) };
    }
    case 'html': {
      const clean = sanitize(text);
      return { format, text: clean, html: clean, plain: htmlToText(clean) };
    }
  }
}

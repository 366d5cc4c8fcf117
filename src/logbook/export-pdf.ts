import fs from 'node:fs';
import PDFDocument from 'pdfkit';
import type { Db } from '../db/connect.ts';
import { AppError } from '../errors.ts';
import type { Logbook } from './logbooks.ts';
import type { EventFilter } from './events/read.ts';
import type { LogbookEvent } from './events/model.ts';
import { eventsInOrder } from './export-json.ts';
import { attachmentPath } from './attachments.ts';
import { htmlToText } from './content.ts';

/** A PDF is for reading; beyond this many events we ask for a filter (JSON export has no limit). */
export const MAX_PDF_EVENTS = 5000;
const INDENT = 22;
const MAX_DEPTH = 4;
// A Unicode font when the system has one (Debian: fonts-dejavu-core); PDF's built-in Helvetica otherwise.
const UNICODE_FONTS = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
];

const title = (lb: Logbook) =>
  lb.scope === 'session'
    ? `Logbook of session ${lb.sessionId}`
    : lb.scope === 'instrument'
      ? `Logbook of instrument ${lb.instrumentId}`
      : `Facility logbook ${lb.facility}`;

/** Renders the filtered view: events in seq order, each comment indented under the event it answers. */
export async function exportPdf(
  db: Db,
  logbook: Logbook,
  filter: EventFilter,
  attachmentsRoot: string,
  now: Date,
): Promise<Buffer> {
  const events: LogbookEvent[] = [];
  for await (const e of eventsInOrder(db, logbook, filter)) {
    if (events.length >= MAX_PDF_EVENTS) {
      throw new AppError(
        'export_too_large',
        422,
        `A PDF holds at most ${MAX_PDF_EVENTS} events; narrow the filter or export JSON`,
      );
    }
    events.push(e);
  }
  const byId = new Set(events.map((e) => e.id));
  const children = new Map<string, LogbookEvent[]>();
  const roots: LogbookEvent[] = [];
  for (const e of events) {
    if (e.parentId && byId.has(e.parentId))
      children.set(e.parentId, [...(children.get(e.parentId) ?? []), e]);
    else roots.push(e);
  }

  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: title(logbook), Creator: 'fairbeam' },
  });
  const font = UNICODE_FONTS.find((f) => fs.existsSync(f));
  if (font) doc.registerFont('body', font);
  const body = font ? 'body' : 'Helvetica';
  const done = new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    doc.on('data', (b: Buffer) => parts.push(b));
    doc.on('end', () => resolve(Buffer.concat(parts)));
    doc.on('error', reject);
  });

  doc.font(body).fontSize(16).text(title(logbook));
  doc
    .fontSize(9)
    .fillColor('#555')
    .text(`Exported ${now.toISOString()} · ${events.length} events · state ${logbook.state}`);
  doc.moveDown();

  const render = (e: LogbookEvent, depth: number) => {
    const x = 50 + INDENT * Math.min(depth, MAX_DEPTH);
    const width = doc.page.width - 50 - x;
    const who = [e.author, e.author && e.author === e.source ? null : e.source].filter(Boolean).join(' via ');
    doc.fontSize(8).fillColor('#666');
    doc.text(
      `#${e.seq}  ${e.occurredAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${who}  [${e.kind}/${e.category}]${e.revision > 1 ? `  (edited, rev ${e.revision})` : ''}`,
      x,
      doc.y,
      { width },
    );
    if (e.tags.length) doc.text(`tags: ${e.tags.join(', ')}`, x, doc.y, { width });
    doc
      .fontSize(10)
      .fillColor('#000')
      .text(plainOf(e) || ' ', x, doc.y, { width });
    for (const a of e.attachments) {
      if (a.thumbnail) {
        const thumb = attachmentPath(attachmentsRoot, a.sha256, true);
        if (fs.existsSync(thumb)) {
          if (doc.y + 160 > doc.page.height - 50) doc.addPage();
          doc.image(thumb, x, doc.y + 4, { fit: [220, 150] });
          doc.y += 4;
        }
      }
      doc
        .fontSize(8)
        .fillColor('#336')
        .text(`attachment: ${a.name} (${a.mediaType}, ${a.size} bytes)`, x, doc.y, { width });
    }
    doc.moveDown(0.6);
    for (const c of children.get(e.id) ?? []) render(c, depth + 1);
  };
  for (const e of roots) render(e, 0);
  doc.end();
  return done;
}

const plainOf = (e: LogbookEvent) =>
  e.content.format === 'plainText' ? e.content.text : htmlToText(e.content.html);

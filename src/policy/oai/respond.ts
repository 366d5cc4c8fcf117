import { isoSeconds } from '../metadata/licence.ts';
import { el, text, XML_DECLARATION, XSI } from '../metadata/xml.ts';
import { OAI_NS, OAI_XSD, type OaiError, type OaiRequest } from './protocol.ts';

/** The OAI-PMH envelope: responseDate, the request echoed, then the verb's answer or the error. */
export function envelope(opts: {
  now: Date;
  baseUrl: string;
  request: OaiRequest | undefined;
  body: string;
}): string {
  // After badVerb/badArgument the request element carries no attributes (the arguments were bad).
  const attrs = opts.request ? { verb: opts.request.verb, ...opts.request.args } : {};
  return (
    XML_DECLARATION +
    el(
      'OAI-PMH',
      { xmlns: OAI_NS, 'xmlns:xsi': XSI, 'xsi:schemaLocation': `${OAI_NS} ${OAI_XSD}` },
      text('responseDate', isoSeconds(opts.now)),
      text('request', opts.baseUrl, attrs),
      opts.body,
    ) +
    '\n'
  );
}

export const errorElement = (e: OaiError): string => text('error', e.message, { code: e.code });

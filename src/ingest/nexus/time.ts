// Date, time, optional fraction, optional zone: `2016-06-23T16:00:20-06:00`, `2009-02-12 14:58:04-0600`,
// `2005-05-27 05:44:13`, `2021-03-29T15:51:40.255475`.
const NEXUS_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Normalises an NX_DATE_TIME to ISO 8601 UTC (`2016-06-23T22:00:20.000Z`). NeXus asks writers for UTC,
 * so a time without zone is read as UTC rather than in whatever zone this process runs in. Text that
 * is not a date is returned as written (trimmed); blank text gives `undefined`.
 */
export function normaliseNexusTime(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  if (!trimmed) return undefined;
  const match = NEXUS_TIME.exec(trimmed);
  if (!match) return trimmed;
  const [, date, hoursMinutes, seconds = ':00', fraction = '', zone = 'Z'] = match;
  const millis = '.' + fraction.slice(1, 4).padEnd(3, '0');
  const parsed = new Date(`${date}T${hoursMinutes}${seconds}${millis}${normaliseZone(zone)}`);
  return Number.isNaN(parsed.getTime()) ? trimmed : parsed.toISOString();
}

function normaliseZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') return 'Z';
  const digits = zone.slice(1).replace(':', '').padEnd(4, '0');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4)}`;
}

// Display formatting. Dates are shown in UTC: beamtimes are scheduled in facility time and a
// visitor in another time zone should see the same day the facility does.

const dateFmt = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const dateTimeFmt = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

export const formatDate = (iso: string) => dateFmt.format(new Date(iso));
export const formatDateTime = (iso: string) => dateTimeFmt.format(new Date(iso));
export const formatDateRange = (start: string, end: string) =>
  dateFmt.formatRange(new Date(start), new Date(end));

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 11534848 → "11.5 MB" (SI prefixes, as storage and transfer tools report them). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Numbers as a scientist would write them: 12.4, 1.19e-10, 293.35 (no float noise). */
export function formatNumber(n: number): string {
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e6) return String(Number(n.toPrecision(6)));
  return n.toExponential(5).replace(/\.?0+e/, 'e');
}

export const formatCount = (n: number) => n.toLocaleString('en-GB');

export function plural(n: number, one: string, many = `${one}s`) {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

const ROLES: Record<string, string> = {
  principal_investigator: 'Principal investigator',
  local_contact: 'Local contact',
  collaborator: 'Collaborator',
};
export const roleLabel = (role: string) => ROLES[role] ?? role.replace(/_/g, ' ');

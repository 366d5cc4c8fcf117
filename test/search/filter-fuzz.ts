/** A seeded generator of PaNOSC requests, valid and invalid, for the never-500 property test. */

const FIELDS = [
  'pid',
  'title',
  'isPublic',
  'creationDate',
  'size',
  'name',
  'value',
  'unit',
  'type',
  'keywords',
  'startDate',
  'role',
  'fullName',
  'path',
  'text',
  'facility',
  'summary',
  'doi',
  'bogus',
  'score',
];
const RELATIONS = [
  'datasets',
  'documents',
  'parameters',
  'techniques',
  'files',
  'samples',
  'instrument',
  'members',
  'person',
  'affiliation',
  'nope',
];
const OPS = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'between',
  'inq',
  'nin',
  'like',
  'nlike',
  'ilike',
  'nilike',
  'regexp',
  'near',
  '',
];
const UNITS = ['eV', 'keV', 'K', 'celsius', '°C', 'nm', 'um', 'furlong', 'degC/s', '', 'NX_ENERGY'];
const STRINGS = [
  'x-ray absorption',
  'photon_energy',
  'Copper%',
  '%',
  '_',
  '\\',
  "'; DROP TABLE dataset; --",
  'PaNET01012',
  '2020-01-01',
  'not a date',
  '',
  'é✓',
  '\u0000',
  'a'.repeat(1200),
];

export function fuzzRequest(rand: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const chance = (p: number) => rand() < p;
  const scalar = (): unknown => {
    const r = rand();
    if (r < 0.3) return pick(STRINGS);
    if (r < 0.6) return pick([0, 1, -1, 2.5, 8000, 1e308, -1e308, 12.4, 300, 2 ** 63, 1e-320]);
    if (r < 0.7) return pick([true, false, null]);
    if (r < 0.8) return pick([[], [1, 2], ['a'], {}, { gt: 1 }]);
    return Array.from({ length: Math.floor(rand() * 4) }, () => pick(STRINGS.slice(0, 10)));
  };
  const where = (depth: number): unknown => {
    if (chance(0.05)) return scalar();
    const out: Record<string, unknown> = {};
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      if (depth < 12 && chance(0.25)) {
        out[pick(['and', 'or', 'AND'])] = chance(0.9)
          ? Array.from({ length: 1 + Math.floor(rand() * 3) }, () => where(depth + 1))
          : scalar();
      } else {
        const f = pick(FIELDS);
        out[f] = chance(0.4) ? scalar() : { [pick(OPS)]: chance(0.3) ? [scalar(), scalar()] : scalar() };
        if (f === 'value' && chance(0.5)) out.unit = pick(UNITS);
      }
    }
    return out;
  };
  const filter = (depth: number): unknown => {
    const f: Record<string, unknown> = {};
    if (chance(0.6)) f.where = where(0);
    if (depth < 7 && chance(0.5)) {
      f.include = Array.from({ length: 1 + Math.floor(rand() * 2) }, () =>
        chance(0.2)
          ? pick(RELATIONS)
          : { relation: pick(RELATIONS), ...(chance(0.7) ? { scope: filter(depth + 1) } : {}) },
      );
    }
    if (chance(0.2)) f.limit = pick([0, 1, 5, -1, 2.5, '3', 'x', 10_000, null]);
    if (chance(0.2)) f.skip = pick([0, 1, 3, -2, 1e9, '1']);
    if (chance(0.15))
      f.order = pick([
        'title DESC',
        'size',
        'score DESC',
        ['pid ASC', 'name DESC'],
        'bogus',
        3,
        'title; DROP',
      ]);
    if (chance(0.1)) f.fields = pick([['pid'], ['title', 'nope'], { pid: true }, { size: false }, 'pid']);
    if (chance(0.03)) f[pick(['wehre', 'offset', 'scope'])] = scalar();
    return f;
  };
  const collection = pick(['datasets', 'Datasets', 'DOCUMENTS', 'documents', 'instruments', 'Instruments']);
  const suffix = pick([
    '',
    '',
    '',
    '/count',
    `/${encodeURIComponent(pick(['10.5072/fb.xas', 'BL3', 'HAX', '%zz', 'x']))}`,
    '/x/files',
  ]);
  const params: string[] = [];
  if (chance(0.85)) {
    const json = JSON.stringify(filter(1));
    const mangled = chance(0.1) ? json.slice(0, Math.floor(rand() * json.length)) : json;
    params.push(`filter=${encodeURIComponent(mangled)}`);
  }
  if (chance(0.25))
    params.push(
      `query=${encodeURIComponent(pick(['copper', 'x-ray scan', 'the', '&|!', "o'brien", '', 'lysozyme']))}`,
    );
  if (suffix === '/count' && chance(0.3))
    params.push(`where=${encodeURIComponent(JSON.stringify(where(0)))}`);
  return `/panosc/api/${collection}${suffix}${params.length ? `?${params.join('&')}` : ''}`;
}

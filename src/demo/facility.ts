import type { ImportDocument } from '../catalogue/import/schema.ts';
import type { FacilityRole } from '../db/schema.ts';
import type { DemoScan } from './files.ts';

export const DEMO_PASSWORD = 'fairbeam-demo';

/** Demo accounts: one per role, printed by `fairbeam demo`. */
export const DEMO_USERS: { username: string; fullName: string; role: FacilityRole | null; note: string }[] = [
  {
    username: 'ada',
    fullName: 'Ada Lovelace',
    role: null,
    note: 'principal investigator of MX-2101 and ES-1187',
  },
  { username: 'bob', fullName: 'Bob Franklin', role: null, note: 'collaborator on MX-2101' },
  { username: 'carol', fullName: 'Carol Shaw', role: null, note: 'visiting scientist of another team' },
  { username: 'sam', fullName: 'Sam Staff', role: 'staff', note: 'beamline scientist (staff)' },
  { username: 'dora', fullName: 'Dora Manager', role: 'data_manager', note: 'data manager' },
  { username: 'admin', fullName: 'Admin Istrator', role: 'admin', note: 'administrator' },
];

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const daysFrom = (base: Date, days: number) => new Date(base.getTime() + days * 86400_000);
const sessionIdOf = (p: SessionPlan, now: Date) =>
  `${p.proposal}-${p.instrument}-${iso(daysFrom(now, -p.startDaysAgo)).slice(0, 10)}`;
const SAMPLE_PARAMETERS = new Set(['temperature', 'pressure']);

interface SessionPlan {
  proposal: string;
  instrument: string;
  startDaysAgo: number;
  members: [string, 'principal_investigator' | 'collaborator' | 'local_contact'][];
  technique: string;
  /** The NeXus application definition of its files (ingest maps it to PaNET too). */
  definition: string;
  params: [string, number, string][];
}

const PLANS: SessionPlan[] = [
  {
    proposal: 'MX-2101',
    instrument: 'ID23',
    startDaysAgo: 30,
    members: [
      ['ada', 'principal_investigator'],
      ['bob', 'collaborator'],
      ['sam', 'local_contact'],
    ],
    technique: 'PaNET01164',
    definition: 'NXmx',
    params: [
      ['photon_energy', 12.4, 'keV'],
      ['temperature', 100, 'K'],
      ['detector_distance', 250, 'mm'],
    ],
  },
  {
    proposal: 'MX-2101',
    instrument: 'ID23',
    startDaysAgo: 400,
    members: [
      ['ada', 'principal_investigator'],
      ['bob', 'collaborator'],
    ],
    technique: 'PaNET01164',
    definition: 'NXmx',
    params: [
      ['photon_energy', 13.0, 'keV'],
      ['temperature', 100, 'K'],
    ],
  },
  {
    proposal: 'ES-1187',
    instrument: 'ID16A',
    startDaysAgo: 1500,
    members: [['ada', 'principal_investigator']],
    technique: 'PaNET01154',
    definition: 'NXtomo',
    params: [
      ['photon_energy', 17.05, 'keV'],
      ['pixel_size', 50, 'nm'],
    ],
  },
  {
    proposal: 'HC-4410',
    instrument: 'BM29',
    startDaysAgo: 1900,
    members: [['carol', 'principal_investigator']],
    technique: 'PaNET01188',
    definition: 'NXsas',
    params: [
      ['wavelength', 0.99, 'angstrom'],
      ['temperature', 20, 'degC'],
    ],
  },
  {
    proposal: 'HC-4410',
    instrument: 'BM29',
    startDaysAgo: 90,
    members: [['carol', 'principal_investigator']],
    technique: 'PaNET01188',
    definition: 'NXsas',
    params: [
      ['wavelength', 1.0, 'angstrom'],
      ['temperature', 4, 'degC'],
    ],
  },
  {
    proposal: 'CH-5520',
    instrument: 'ID31',
    startDaysAgo: 700,
    members: [
      ['bob', 'principal_investigator'],
      ['carol', 'collaborator'],
    ],
    technique: 'PaNET01101',
    definition: 'NXxrd_pan',
    params: [
      ['photon_energy', 75, 'keV'],
      ['pressure', 2, 'bar'],
    ],
  },
];

/**
 * A small facility relative to `now`: sessions from 5 years ago (public by now) to last month
 * (under embargo), so every policy rule has something to show.
 */
export function demoFacility(now: Date): ImportDocument {
  const plans = PLANS;
  const titles: Record<string, [string, string]> = {
    'MX-2101': [
      'Structure of lysozyme bound to a new inhibitor',
      'Macromolecular crystallography of lysozyme complexes at cryogenic temperature.',
    ],
    'ES-1187': [
      'Nano-tomography of battery cathodes during cycling',
      'Phase-contrast nano-tomography of NMC cathode particles.',
    ],
    'HC-4410': [
      'Solution scattering of intrinsically disordered proteins',
      'BioSAXS of tau protein fragments under varying salt conditions.',
    ],
    'CH-5520': [
      'In situ diffraction of metal-organic frameworks under pressure',
      'High-energy powder diffraction of MOF-5 in a diamond anvil cell.',
    ],
  };
  const proposals = new Map<string, NonNullable<ImportDocument['proposals']>[number]>();
  plans.forEach((p, i) => {
    const start = daysFrom(now, -p.startDaysAgo);
    const end = daysFrom(start, 3);
    const id = sessionIdOf(p, now);
    const proposal = proposals.get(p.proposal) ?? {
      id: p.proposal,
      title: titles[p.proposal]![0],
      summary: titles[p.proposal]![1],
      members: [{ username: p.members[0]![0], role: 'principal_investigator' as const }],
      sessions: [],
    };
    proposals.set(p.proposal, proposal);
    const sample = {
      id: `S${i + 1}`,
      name: [
        'lysozyme',
        'lysozyme + inhibitor',
        'NMC811 cathode',
        'tau K18',
        'tau K18 in 150 mM NaCl',
        'MOF-5',
      ][i]!,
      description: 'demo sample',
    };
    proposal.sessions!.push({
      id,
      instrument: p.instrument,
      start: iso(start),
      end: iso(end),
      members: p.members.map(([username, role]) => ({ username, role })),
      samples: [sample],
      datasets: [1, 2, 3].map((n) => ({
        name: `scan_${String(n).padStart(4, '0')}`,
        title: `${sample.name}, scan ${n}`,
        sample: sample.id,
        techniques: [p.technique],
        parameters: p.params.map(([name, value, unit]) => ({
          name,
          value: Math.round((value + (n - 1) * 0.1) * 1000) / 1000,
          unit,
        })),
      })),
    });
  });
  return {
    facility: { name: 'FBLS', fullName: 'Fairbeam Demo Light Source' },
    instruments: [
      { id: 'ID23', name: 'ID23 - macromolecular crystallography', techniques: ['PaNET01164'] },
      { id: 'ID16A', name: 'ID16A - nano-imaging', techniques: ['PaNET01154'] },
      { id: 'BM29', name: 'BM29 - BioSAXS', techniques: ['PaNET01188'] },
      { id: 'ID31', name: 'ID31 - high-energy diffraction', techniques: ['PaNET01101'] },
    ],
    users: DEMO_USERS.map((u, i) => ({
      username: u.username,
      fullName: u.fullName,
      email: `${u.username}@example.org`,
      ...(u.role
        ? {}
        : {
            orcid: `0000-0002-1825-00${String(97 + i)
              .padStart(2, '0')
              .slice(-2)}`,
            affiliation: 'University of Examples',
          }),
    })),
    proposals: [...proposals.values()],
  };
}

/**
 * The scan directories behind the demo datasets (three per session, named as in demoFacility), with
 * what their NeXus files say; `fairbeam demo` writes them and registers them through ingest.
 */
export function demoScans(now: Date): { sessionId: string; dataset: string; scan: DemoScan }[] {
  const doc = demoFacility(now);
  const sessions = new Map(doc.proposals!.flatMap((p) => p.sessions!).map((s) => [s.id, s]));
  return PLANS.flatMap((plan, i) => {
    const session = sessions.get(sessionIdOf(plan, now))!;
    const start = new Date(session.start!);
    return session.datasets!.map((d, n) => ({
      sessionId: session.id,
      dataset: d.name,
      scan: {
        title: d.title!,
        start: new Date(start.getTime() + n * 3600_000),
        end: new Date(start.getTime() + n * 3600_000 + 1800_000),
        definition: plan.definition,
        instrument: plan.instrument,
        sample: session.samples![0]!.name,
        parameters: d.parameters!.map((p) => ({
          name: p.name,
          value: p.value as number,
          unit: p.unit!,
          in: SAMPLE_PARAMETERS.has(p.name) ? ('sample' as const) : ('instrument' as const),
        })),
        seed: i * 3 + n,
      },
    }));
  });
}

/** The user-office example of shared/specs/interfaces.md, as a factory so each test can change a copy. */
export function exampleDocument() {
  return {
    facility: { name: 'ESRF', fullName: 'European Synchrotron Radiation Facility' },
    instruments: [{ id: 'ID16A', name: 'ID16A', facility: 'ESRF', techniques: ['PaNET01188'] }],
    users: [
      {
        username: 'ada',
        fullName: 'Ada Lovelace',
        email: 'ada@example.org',
        orcid: '0000-0002-1825-0097',
        affiliation: 'University X',
      },
      { username: 'bob', fullName: 'Bob' },
    ],
    proposals: [
      {
        id: 'MX-2101',
        title: 'Lysozyme at high pressure',
        summary: 'We look at lysozyme.',
        members: [{ username: 'ada', role: 'principal_investigator' }],
        sessions: [
          {
            id: 'MX-2101-ID16A-2023-05-02',
            instrument: 'ID16A',
            start: '2023-05-02T08:00:00Z',
            end: '2023-05-05T08:00:00Z',
            releaseDate: '2026-05-05T08:00:00Z',
            members: [
              { username: 'ada', role: 'principal_investigator' },
              { username: 'bob', role: 'collaborator' },
            ],
            samples: [{ id: 'S1', name: 'lysozyme', description: 'hen egg white' }],
            datasets: [
              {
                name: 'scan_0001',
                sample: 'S1',
                techniques: ['PaNET01188'],
                parameters: [{ name: 'photon_energy', value: 12.4, unit: 'keV' }],
                files: [{ path: 'scan_0001/data.h5', size: 1024, sha256: 'a'.repeat(64) }],
              },
            ],
          },
        ],
      },
    ],
  };
}

import { describe, expect, it } from 'vitest';
import { buildHierarchy, panetHierarchy, withDescendants } from '../../src/search/panet/hierarchy.ts';
import { parseEquivalence } from '../../src/search/panet/expressions.ts';

describe('PaNET hierarchy', () => {
  const h = panetHierarchy();
  const ancestors = (id: string) => h.ancestors.get(id)!;

  it('reads the OWL equivalence forms used in PaNET', () => {
    expect(parseEquivalence("('definedbyprobe' some 'hard x-ray')")).toEqual([
      { kind: 'some', property: 'definedbyprobe', filler: 'hard x-ray' },
    ]);
    expect(parseEquivalence('x-ray probe-based techniques')).toEqual([
      { kind: 'named', ref: 'x-ray probe-based techniques' },
    ]);
    expect(parseEquivalence('PaNET:PaNET01124')).toEqual([{ kind: 'named', ref: 'PaNET01124' }]);
    expect(parseEquivalence("('absorption-based techniques' and PaNET:PaNET01054)")).toEqual([
      { kind: 'named', ref: 'absorption-based techniques' },
      { kind: 'named', ref: 'PaNET01054' },
    ]);
    expect(parseEquivalence('https://www.wikidata.org/wiki/Q133900')).toEqual([]);
  });

  it('places hard x-ray probe-based techniques under x-ray probe-based techniques through the probe hierarchy', () => {
    expect(ancestors('PaNET01013')).toContain('PaNET01012'); // hard x-ray probe ⊑ x-ray probe (hard x-ray ⊑ x-ray)
    expect(ancestors('PaNET01012')).toContain('PaNET00100'); // x-ray probe ⊑ photon probe (x-ray ⊑ photon)
    expect(ancestors('PaNET01017')).toContain('PaNET01016'); // cold neutron ⊑ thermal neutron probe
    expect(ancestors('PaNET01013')).not.toContain('PaNET00101'); // not a neutron technique
  });

  it('classifies techniques defined by conjunctions', () => {
    expect(ancestors('PaNET01103')).toEqual(expect.objectContaining({})); // hard x-ray photoelectron spectroscopy
    expect([...ancestors('PaNET01103')]).toEqual(
      expect.arrayContaining(['PaNET01013', 'PaNET01012', 'PaNET00100']),
    );
    expect([...ancestors('PaNET01188')]).toEqual(
      expect.arrayContaining(['PaNET01012', 'PaNET01124', 'PaNET01184']),
    ); // SAXS
    expect(ancestors('PaNET01196')).toContain('PaNET01227'); // XAS spectroscopy ⊑ x-ray absorption
  });

  it('expands to descendants including the technique itself', () => {
    const xray = withDescendants(['PaNET01012']);
    expect(xray).toEqual(
      expect.arrayContaining(['PaNET01012', 'PaNET01013', 'PaNET01103', 'PaNET01188', 'PaNET01227']),
    );
    expect(xray).not.toContain('PaNET00101');
    expect(withDescendants(['custom-technique'])).toEqual(['custom-technique']);
  });

  it('derives subsumption from definitions in a small hand-made ontology', () => {
    const t = (id: string, label: string, parents: string[] = [], equivalentTo: string[] = []) => ({
      id,
      iri: id,
      label,
      altLabels: [],
      parents,
      equivalentTo,
    });
    const small = buildHierarchy([
      t('P', 'probe'),
      t('X', 'x-ray', ['P']),
      t('H', 'hard x-ray', ['X']),
      t('TX', 'x-ray probe-based', [], ["('definedbyprobe' some 'x-ray')"]),
      t('TH', 'hard x-ray probe-based', [], ["('definedbyprobe' some 'hard x-ray')"]),
      t('S', 'scattering-based', [], ["('definedbyprocess' some 'scattering')"]),
      t('SC', 'scattering'),
      t('HS', 'hard x-ray scattering', [], ['hard x-ray probe-based', 'scattering-based']),
      t('XS', 'x-ray scattering', [], ["('x-ray probe-based' and 'scattering-based')"]),
    ]);
    expect([...small.ancestors.get('TH')!]).toEqual(['TX']);
    expect([...small.ancestors.get('HS')!].sort()).toEqual(['S', 'TH', 'TX', 'XS']);
    expect([...small.descendants.get('XS')!]).toEqual(['HS']);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownDefinitions, techniquesForDefinition } from './techniques.ts';

const PANET = '/work/shared/data/panet/panet-terms.json';

describe('techniquesForDefinition', () => {
  it('maps the common application definitions to PaNET ids', () => {
    expect(techniquesForDefinition('NXmx')).toEqual(['PaNET01164']);
    expect(techniquesForDefinition('NXtomo')).toEqual(['PaNET01129']);
    expect(techniquesForDefinition('NXxas')).toEqual(['PaNET01196']);
    expect(techniquesForDefinition('NXsas')).toEqual(['PaNET01124']);
    expect(techniquesForDefinition('NXstxm')).toEqual(['PaNET01219']);
  });

  it('ignores case and surrounding blanks, as files disagree on both', () => {
    expect(techniquesForDefinition(' NXcanSAS ')).toEqual(['PaNET01124']);
    expect(techniquesForDefinition('nxcansas')).toEqual(['PaNET01124']);
  });

  it('gives no technique for unknown definitions', () => {
    expect(techniquesForDefinition('NXsomething_new')).toEqual([]);
    expect(techniquesForDefinition('')).toEqual([]);
  });

  it('uses only ids that exist in PaNET', () => {
    const terms = (JSON.parse(readFileSync(PANET, 'utf8')) as { terms: Array<{ id: string }> }).terms;
    const ids = new Set(terms.map((term) => term.id));
    for (const [definition, techniques] of knownDefinitions()) {
      for (const id of techniques) expect(ids.has(id), `${definition} → ${id}`).toBe(true);
    }
  });
});

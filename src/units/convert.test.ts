import { describe, expect, it } from 'vitest';
import { normaliseUnit, toSI } from './convert.ts';
import { repairMojibake } from './mojibake.ts';

const J_PER_EV = 1.602176634e-19;

function si(value: number, unit: string) {
  const result = toSI(value, unit);
  if (!result) throw new Error(`expected ${unit} to convert`);
  return result;
}

describe('toSI', () => {
  it('stores energies in joules, so eV and keV compare equal', () => {
    expect(si(1, 'eV').unit).toBe('J');
    expect(si(1, 'eV').value).toBeCloseTo(J_PER_EV, 30);
    expect(si(12.4, 'keV').value).toBeCloseTo(si(12400, 'eV').value, 25);
    expect(si(12.4, 'keV').value / J_PER_EV).toBeCloseTo(12400, 6);
    expect(si(7, 'GeV').unit).toBe('J');
  });

  it('converts Celsius with its offset, so 25 °C is 298.15 K', () => {
    expect(si(4, 'K')).toEqual({ value: 4, unit: 'K' });
    for (const spelling of ['degC', '°C', 'C', 'celsius', 'Celsius']) {
      expect(si(25, spelling).unit).toBe('K');
      expect(si(25, spelling).value).toBeCloseTo(298.15, 10);
    }
  });

  it('treats Å, A, Angstrom(s) and Angstroem as ångström, so 10 Å equals 1 nm', () => {
    for (const spelling of ['angstrom', 'Angstrom', 'Angstroms', 'Angstroem', 'A', 'Å', '\u212B', 'AA']) {
      expect(si(10, spelling).unit).toBe('m');
      expect(si(10, spelling).value).toBeCloseTo(1e-9, 20);
    }
    expect(si(1, 'nm').value).toBeCloseTo(si(10, 'Å').value, 20);
  });

  it('converts mm, microns, um and µm to metres', () => {
    expect(si(540.8, 'mm')).toEqual({ value: 0.5408, unit: 'm' });
    expect(si(1, 'm')).toEqual({ value: 1, unit: 'm' });
    for (const spelling of ['um', 'micron', 'microns', '\u00b5m', '\u03bcm']) {
      expect(si(3, spelling).value).toBeCloseTo(3e-6, 15);
    }
  });

  it('converts angles to radians', () => {
    for (const spelling of ['deg', 'degree', 'degrees', '°']) {
      expect(si(180, spelling).unit).toBe('rad');
      expect(si(180, spelling).value).toBeCloseTo(Math.PI, 12);
    }
    expect(si(2, 'mrad')).toEqual({ value: 0.002, unit: 'rad' });
  });

  it('converts times, pressures, frequencies and currents to s, Pa, Hz and A', () => {
    expect(si(10, 'ms')).toEqual({ value: 0.01, unit: 's' });
    expect(si(2, 'minutes')).toEqual({ value: 120, unit: 's' });
    expect(si(1, 'mbar').unit).toBe('Pa');
    expect(si(1, 'mbar').value).toBeCloseTo(100, 10);
    expect(si(5, 'Hz')).toEqual({ value: 5, unit: 'Hz' });
    expect(si(101.7, 'mA').unit).toBe('A');
    expect(si(1, 'Torr').value).toBeCloseTo(133.322, 3);
  });

  it('reports counts and ratios as dimensionless', () => {
    expect(si(12000, 'counts')).toEqual({ value: 12000, unit: '1' });
    expect(si(8e-5, 'Angstroms/Angstroms')).toEqual({ value: 8e-5, unit: '1' });
    expect(si(3, 'NX_UNITLESS')).toEqual({ value: 3, unit: '1' });
    expect(si(100, 'counts/s')).toEqual({ value: 100, unit: 'Hz' });
  });

  it('gives reciprocal lengths in m^-1 (momentum transfer)', () => {
    expect(si(0.1, '1/angstrom')).toEqual({ value: 1e9, unit: 'm^-1' });
    expect(si(0.1, 'Angstrom^-1').value).toBeCloseTo(1e9, 0);
  });

  it('supports the CGS magnetic units beamlines still write', () => {
    expect(si(10000, 'gauss').unit).toBe('T');
    expect(si(10000, 'gauss').value).toBeCloseTo(1, 12);
  });

  it('returns undefined for unknown units, placeholders and non-finite values', () => {
    expect(toSI(1, 'pixels')).toBeUndefined();
    expect(toSI(1, 'clock')).toBeUndefined();
    expect(toSI(1, 'NX_LENGTH')).toBeUndefined();
    expect(toSI(1, '')).toBeUndefined();
    expect(toSI(1, '   ')).toBeUndefined();
    expect(toSI(Number.NaN, 'mm')).toBeUndefined();
  });

  it('treats a Celsius rate as a temperature difference, without the offset', () => {
    expect(si(2, 'degC/s')).toEqual({ value: 2, unit: 'K / s' });
  });
});

describe('normaliseUnit', () => {
  it('rewrites NeXus spellings into mathjs names and keeps known ones', () => {
    expect(normaliseUnit('Angstroms')).toBe('angstrom');
    expect(normaliseUnit('keV')).toBe('keV');
    expect(normaliseUnit('KeV')).toBe('keV');
    expect(normaliseUnit('meV')).toBe('meV');
    expect(normaliseUnit('MeV')).toBe('MeV');
    expect(normaliseUnit('degrees')).toBe('deg');
    expect(normaliseUnit('1/Angstrom')).toBe('1/angstrom');
    expect(normaliseUnit('mm')).toBe('mm');
  });

  it('repairs UTF-8 read as Latin-1 (Î¼m) before looking the unit up', () => {
    expect(normaliseUnit('\u00ce\u00bcm')).toBe('um');
    expect(normaliseUnit('\u00c3\u2026')).toBeUndefined(); // not a Latin-1 misreading: left alone
  });
});

describe('repairMojibake', () => {
  it('decodes misread UTF-8 and leaves proper text alone', () => {
    expect(repairMojibake('\u00ce\u00bcm')).toBe('\u03bcm');
    expect(repairMojibake('\u00c3\u00a5')).toBe('\u00e5');
    expect(repairMojibake('Ångström')).toBe('Ångström');
    expect(repairMojibake('mm')).toBe('mm');
  });
});

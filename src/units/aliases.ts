/**
 * Spellings found in real NeXus/HDF5 `units` attributes, mapped to names mathjs understands.
 * mathjs alone misreads several of them: `A` is ampere and `C` coulomb in mathjs, while in beamline
 * files they almost always mean ångström and degrees Celsius, and words like `Angstroms`, `microns`,
 * `degrees` or `counts` are unknown to it.
 */

/** Dimensionless marker: the token means "a plain number" (counts, ratios). */
export const DIMENSIONLESS = '1';

/** Matched exactly, because case carries meaning for short symbols (MeV vs meV, S vs s). */
export const EXACT_ALIASES: Readonly<Record<string, string>> = {
  A: 'angstrom',
  AA: 'angstrom',
  Å: 'angstrom',
  '\u212B': 'angstrom', // ANGSTROM SIGN, a distinct code point from Å
  C: 'degC',
  '°C': 'degC',
  '℃': 'degC',
  '°F': 'degF',
  '°': 'deg',
  K: 'K',
  KeV: 'keV',
  Ohm: 'ohm',
  Ω: 'ohm',
  kOhm: 'kohm',
  MOhm: 'Mohm',
  sec: 's',
  Torr: 'torr',
  G: 'gauss',
  Oe: 'oersted',
};

/** Matched case-insensitively: whole words, where case carries no meaning. */
export const WORD_ALIASES: Readonly<Record<string, string>> = {
  angstrom: 'angstrom',
  angstroms: 'angstrom',
  angstroem: 'angstrom',
  angstroems: 'angstrom',
  ångström: 'angstrom',
  ångstrom: 'angstrom',
  degree: 'deg',
  degrees: 'deg',
  degr: 'deg',
  celsius: 'degC',
  degc: 'degC',
  degrees_c: 'degC',
  kelvin: 'K',
  micron: 'um',
  microns: 'um',
  micrometer: 'um',
  micrometers: 'um',
  micrometre: 'um',
  micrometres: 'um',
  nanometer: 'nm',
  nanometers: 'nm',
  nanometre: 'nm',
  nanometres: 'nm',
  millimeter: 'mm',
  millimeters: 'mm',
  millimetre: 'mm',
  millimetres: 'mm',
  meter: 'm',
  meters: 'm',
  metre: 'm',
  metres: 'm',
  seconds: 's',
  secs: 's',
  millisecond: 'ms',
  milliseconds: 'ms',
  microsecond: 'us',
  microseconds: 'us',
  minutes: 'minute',
  mins: 'minute',
  min: 'minute',
  hours: 'hour',
  hrs: 'hour',
  hr: 'hour',
  radian: 'rad',
  radians: 'rad',
  milliradian: 'mrad',
  milliradians: 'mrad',
  millibar: 'mbar',
  tesla: 'T',
  gauss: 'gauss',
  kev: 'keV',
  ev: 'eV',
  electronvolt: 'eV',
  count: DIMENSIONLESS,
  counts: DIMENSIONLESS,
  cts: DIMENSIONLESS,
  nx_unitless: DIMENSIONLESS,
  nx_dimensionless: DIMENSIONLESS,
  unitless: DIMENSIONLESS,
  dimensionless: DIMENSIONLESS,
};

/**
 * Named SI units we report, in order of preference, instead of mathjs's base-unit products:
 * an energy is stored as `J`, not `(kg m^2) / s^2`.
 */
export const PREFERRED_SI_UNITS = [
  'm',
  'kg',
  's',
  'A',
  'K',
  'mol',
  'cd',
  'rad',
  'J',
  'Pa',
  'Hz',
  'W',
  'V',
  'ohm',
  'T',
  'N',
  'C',
  'F',
  'Wb',
  'S',
  'm^-1',
] as const;

import { create, createUnitDependencies, unitDependencies, type Unit } from 'mathjs';
import { DIMENSIONLESS, EXACT_ALIASES, PREFERRED_SI_UNITS, WORD_ALIASES } from './aliases.ts';
import { repairMojibake } from './mojibake.ts';

/** A value in true SI units: J, m, K, s, Pa, rad, ... or `1` for dimensionless numbers. */
export interface SIQuantity {
  value: number;
  unit: string;
}

// A private mathjs instance: the CGS units we add must not leak into other users of mathjs.
const math = create({ ...unitDependencies, ...createUnitDependencies });
// mathjs still carries the CODATA 2010 electronvolt; since 2019 its value in joules is exact.
math.createUnit('eV', { definition: '1.602176634e-19 J', prefixes: 'short' }, { override: true });
math.createUnit('gauss', '0.0001 T');
math.createUnit('oersted', `${1000 / (4 * Math.PI)} A/m`);

const preferred: Array<[string, Unit]> = PREFERRED_SI_UNITS.map((name) => [name, math.unit(1, name)]);

// A unit token: letters (incl. µ, μ, Å, Ω, °) and underscores; operators and exponents stay as they are.
const TOKEN = /[A-Za-z_\u00b0\u00b5\u00c5\u00e5\u00f6\u03a9\u03bc\u2103\u212b]+/g;

function normaliseToken(token: string): string {
  const exact = EXACT_ALIASES[token];
  if (exact) return exact;
  const word = WORD_ALIASES[token.toLowerCase()];
  if (word) return word;
  // Both the micro sign (U+00B5) and Greek mu (U+03BC) appear as the micro prefix; mathjs spells it `u`.
  if (/^[\u00b5\u03bc]./.test(token)) return 'u' + normaliseToken(token.slice(1));
  return token;
}

const normalised = new Map<string, string | undefined>();

/**
 * Rewrites a units string as written in files or queries (`Angstroms`, `°C`, `Î¼m`, `counts`) into a
 * spelling mathjs parses (`angstrom`, `degC`, `um`, `1`); `undefined` when it is not a unit we know.
 * NeXus placeholders such as `NX_LENGTH` (written by template generators) are not units.
 */
export function normaliseUnit(unit: string): string | undefined {
  if (normalised.has(unit)) return normalised.get(unit);
  const result = normaliseUncached(unit);
  normalised.set(unit, result);
  return result;
}

function normaliseUncached(raw: string): string | undefined {
  const text = repairMojibake(raw).trim();
  if (text === '') return undefined;
  const spelled =
    EXACT_ALIASES[text] ?? WORD_ALIASES[text.toLowerCase()] ?? text.replace(TOKEN, normaliseToken);
  if (/(^|[^A-Za-z])NX_/.test(spelled)) return undefined;
  const dimensionlessOnly = spelled.replace(/\b1\b|[\s*/()]/g, '') === '';
  if (dimensionlessOnly) return DIMENSIONLESS;
  try {
    math.unit(1, spelled);
    return spelled;
  } catch {
    return undefined;
  }
}

/** Converts `value` given in `unit` to SI; `undefined` when the unit is unknown or not convertible. */
export function toSI(value: number, unit: string): SIQuantity | undefined {
  if (!Number.isFinite(value)) return undefined;
  const spelled = normaliseUnit(unit);
  if (spelled === undefined) return undefined;
  if (spelled === DIMENSIONLESS) return { value, unit: DIMENSIONLESS };
  try {
    return inPreferredUnit(math.unit(value, spelled).toSI());
  } catch {
    // Offset units inside compound units (`degC/s`) and similar are not convertible by mathjs.
    return undefined;
  }
}

function inPreferredUnit(si: Unit): SIQuantity {
  if (Object.values(si.dimensions).every((power) => power === 0)) {
    return { value: si.toNumber(), unit: DIMENSIONLESS };
  }
  for (const [name, reference] of preferred) {
    if (si.equalBase(reference)) return { value: si.toNumber(name), unit: name };
  }
  return { value: si.toNumber(), unit: si.formatUnits() };
}

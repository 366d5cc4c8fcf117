/**
 * NeXus application definitions (NXentry/definition) mapped to PaNET technique ids, so datasets
 * become findable by technique in PaNOSC search. Each id's PaNET label is in the comment; the test
 * checks every id against the PaNET term list. Keys are lower-case because files disagree on case
 * (NXcanSAS, NXcansas).
 */
const TECHNIQUES_BY_DEFINITION: Readonly<Record<string, readonly string[]>> = {
  nxmx: ['PaNET01164'], // macromolecular crystallography-based techniques
  nxreflections: ['PaNET01082'], // crystallography-based techniques
  nxtomo: ['PaNET01129'], // tomography-based techniques
  nxtomoproc: ['PaNET01129'], // tomography-based techniques
  nxtomophase: ['PaNET01129'], // tomography-based techniques
  nxxas: ['PaNET01196'], // x-ray absorption spectroscopy
  nxxasproc: ['PaNET01196'], // x-ray absorption spectroscopy
  nxsas: ['PaNET01124'], // small angle scattering-based techniques
  nxcansas: ['PaNET01124'], // small angle scattering-based techniques
  nxsastof: ['PaNET01124', 'PaNET01277'], // small angle scattering; time of flight small angle neutron scattering
  nxrefscan: ['PaNET01121'], // reflectometry-based techniques
  nxreftof: ['PaNET01239'], // neutron reflectometry
  nxstxm: ['PaNET01219'], // scanning transmission x-ray microscopy
  nxarpes: ['PaNET01089'], // angle resolved photoemission spectroscopy
  nxmpes: ['PaNET01093'], // photoemission spectroscopy
  nxmpes_arpes: ['PaNET01089'], // angle resolved photoemission spectroscopy
  nxxps: ['PaNET01204'], // x-ray photoelectron spectroscopy
  nxxrd: ['PaNET01216'], // x-ray diffraction
  nxxrd_pan: ['PaNET01101'], // x-ray powder diffraction
  nxxbase: ['PaNET01102'], // x-ray single crystal diffraction
  nxxrot: ['PaNET01102'], // x-ray single crystal diffraction
  nxxeuler: ['PaNET01102'], // x-ray single crystal diffraction
  nxxkappa: ['PaNET01102'], // x-ray single crystal diffraction
  nxxnb: ['PaNET01102'], // x-ray single crystal diffraction
  nxxlaue: ['PaNET01102'], // x-ray single crystal diffraction
  nxxlaueplate: ['PaNET01102'], // x-ray single crystal diffraction
  nxfluo: ['PaNET01095'], // x-ray fluorescence spectroscopy
  nxspe: ['PaNET01245'], // inelastic neutron spectroscopy
  nxdirecttof: ['PaNET01245', 'PaNET01001'], // inelastic neutron spectroscopy; neutron time of flight-based techniques
  nxindirecttof: ['PaNET01245', 'PaNET01001'], // inelastic neutron spectroscopy; neutron time of flight-based techniques
  nxtas: ['PaNET01245'], // inelastic neutron spectroscopy
  nxtofraw: ['PaNET01001'], // neutron time of flight-based techniques
  nxtofsingle: ['PaNET01001'], // neutron time of flight-based techniques
  nxtofnpd: ['PaNET01100', 'PaNET01001'], // neutron powder diffraction; neutron time of flight-based techniques
  nxmonopd: ['PaNET01030'], // powder diffraction-based techniques
  nxlauetof: ['PaNET01029', 'PaNET01001'], // single crystal diffraction-based techniques; neutron time of flight-based techniques
};

/** PaNET ids for an application definition name; empty when the definition is unknown. */
export function techniquesForDefinition(definition: string): readonly string[] {
  return TECHNIQUES_BY_DEFINITION[definition.trim().toLowerCase()] ?? [];
}

/** The whole table, for tests and documentation. */
export function knownDefinitions(): ReadonlyArray<[string, readonly string[]]> {
  return Object.entries(TECHNIQUES_BY_DEFINITION);
}

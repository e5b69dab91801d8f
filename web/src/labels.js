// Readable names for the API's enum values (printed by name, e.g.
// "SECTOR_OIL_AND_GAS"). A value this page does not know yet (a newer
// server) is shown by its name without the prefix.

const NAMES = {
  SECTOR_ENERGY: 'Energy',
  SECTOR_SEMICONDUCTORS: 'Semiconductors',
  SECTOR_AI_INFRASTRUCTURE: 'AI infrastructure',
  SECTOR_CRITICAL_MINERALS: 'Critical minerals',
  SECTOR_OIL_AND_GAS: 'Oil and gas',
  SECTOR_ELECTRONICS: 'Electronics',
  SECTOR_PHARMACEUTICALS: 'Pharmaceuticals',
  SECTOR_SHIPBUILDING: 'Shipbuilding',
  SECTOR_METALS: 'Metals',
  SECTOR_AUTOMOTIVE: 'Automotive',
  SECTOR_OTHER: 'Other',
  SECTOR_UNSPECIFIED: 'Several sectors',
  FIRMNESS_REPORTED: 'reported',
  FIRMNESS_OFFICIALLY_ANNOUNCED: 'officially announced',
  FIRMNESS_CONFIRMED: 'confirmed',
  FUNDING_SOURCE_JBIC: 'JBIC',
  FUNDING_SOURCE_NEXI: 'NEXI',
  FUNDING_SOURCE_PRIVATE: 'private capital',
  FUNDING_SOURCE_GOVERNMENT: 'government',
  FUNDING_SOURCE_OTHER: 'other source',
  ALLOCATION_BASIS_SECTOR: 'sector',
  ALLOCATION_BASIS_COMPANY: 'company',
  SUPERSESSION_KIND_WITHDRAWN: 'withdrawn',
  SUPERSESSION_KIND_RETRACTED: 'retracted',
  SUPERSESSION_KIND_RESTATED: 'restated',
};

export function label(value) {
  if (!value) return '';
  return NAMES[value] ?? value.replace(/^[A-Z]+(?:_KIND|_SOURCE|_BASIS)?_/, '').toLowerCase().replaceAll('_', ' ');
}

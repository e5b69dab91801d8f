// The US states as SVG paths, from us-atlas's states-10m.json (bundled:
// the page fetches nothing from the internet). The atlas is in longitude
// and latitude; it is drawn here in Albers equal-area conic projections,
// the lower 48 in one and Alaska, Hawaii and Puerto Rico (with the Virgin
// Islands) each in its own, placed as insets in the south-west and
// south-east corners as US maps usually show them. Guam, the Northern
// Mariana Islands and American Samoa are too far to inset: projects there
// are listed in the table beside the map only.
import { feature } from 'topojson-client';
import atlas from 'us-atlas/states-10m.json';

// FIPS code (the atlas's feature id) -> postal code (ProjectState.us_state).
const POSTAL = {
  '01': 'AL', '02': 'AK', '04': 'AZ', '05': 'AR', '06': 'CA', '08': 'CO', '09': 'CT', '10': 'DE',
  '11': 'DC', '12': 'FL', '13': 'GA', '15': 'HI', '16': 'ID', '17': 'IL', '18': 'IN', '19': 'IA',
  '20': 'KS', '21': 'KY', '22': 'LA', '23': 'ME', '24': 'MD', '25': 'MA', '26': 'MI', '27': 'MN',
  '28': 'MS', '29': 'MO', '30': 'MT', '31': 'NE', '32': 'NV', '33': 'NH', '34': 'NJ', '35': 'NM',
  '36': 'NY', '37': 'NC', '38': 'ND', '39': 'OH', '40': 'OK', '41': 'OR', '42': 'PA', '44': 'RI',
  '45': 'SC', '46': 'SD', '47': 'TN', '48': 'TX', '49': 'UT', '50': 'VT', '51': 'VA', '53': 'WA',
  '54': 'WV', '55': 'WI', '56': 'WY', '60': 'AS', '66': 'GU', '69': 'MP', '72': 'PR', '78': 'VI',
};

const RADIANS = Math.PI / 180;

// Albers equal-area conic on the unit sphere, with standard parallels
// phi1 and phi2 and origin (lat0, lon0); x east, y north.
function albers(phi1, phi2, lat0, lon0) {
  const n = (Math.sin(phi1 * RADIANS) + Math.sin(phi2 * RADIANS)) / 2;
  const c = Math.cos(phi1 * RADIANS) ** 2 + 2 * n * Math.sin(phi1 * RADIANS);
  const rho = (lat) => Math.sqrt(c - 2 * n * Math.sin(lat * RADIANS)) / n;
  const rho0 = rho(lat0);
  return ([lon, lat]) => {
    // Longitudes past the antimeridian (the western Aleutians) wrap round.
    const delta = ((((lon - lon0) % 360) + 540) % 360) - 180;
    const theta = n * delta * RADIANS;
    const r = rho(lat);
    return [r * Math.sin(theta), rho0 - r * Math.cos(theta)];
  };
}

// Each region's projection and size relative to the lower 48, and where
// its box goes: `anchor` picks the corner of the lower 48's box it sits in.
const REGIONS = {
  lower48: { project: albers(29.5, 45.5, 37.5, -96), scale: 1 },
  alaska: { project: albers(55, 65, 50, -154), scale: 0.35, anchor: 'south-west', offset: [0.0, 0.02] },
  hawaii: { project: albers(8, 18, 3, -157), scale: 1, anchor: 'south-west', offset: [0.25, 0.0] },
  caribbean: { project: albers(8, 18, 18, -66), scale: 1, anchor: 'south-east', offset: [-0.02, 0.0] },
};
const REGION_OF = { AK: 'alaska', HI: 'hawaii', PR: 'caribbean', VI: 'caribbean' };
const NOT_DRAWN = new Set(['AS', 'GU', 'MP']);
const SIZE = 1000; // width of the lower 48 in SVG units

function rings(geometry) {
  if (geometry.type === 'Polygon') return geometry.coordinates;
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.flat();
  return [];
}

// A loop rather than Math.min(...points): the atlas has too many points
// to spread into arguments.
function bounds(points) {
  const box = { minX: Infinity, maxX: -Infinity, minY: Infinity, maxY: -Infinity };
  for (const [x, y] of points) {
    box.minX = Math.min(box.minX, x);
    box.maxX = Math.max(box.maxX, x);
    box.minY = Math.min(box.minY, y);
    box.maxY = Math.max(box.maxY, y);
  }
  return box;
}

// [{postal, name, d}] and the viewBox that holds them, computed once.
function layout() {
  const features = feature(atlas, atlas.objects.states).features;
  const names = new Map(features.map((f) => [POSTAL[f.id], f.properties.name]));
  const states = features
    .map((f) => ({ postal: POSTAL[f.id], name: f.properties.name }))
    .filter((state) => state.postal && !NOT_DRAWN.has(state.postal));
  // Project into each region's own plane, y downwards as in SVG.
  const geometries = new Map(features.map((f) => [POSTAL[f.id], f.geometry]));
  for (const state of states) {
    state.region = REGION_OF[state.postal] ?? 'lower48';
    const { project } = REGIONS[state.region];
    state.rings = rings(geometries.get(state.postal)).map((ring) =>
      ring.map((point) => {
        const [x, y] = project(point);
        return [x, -y];
      }),
    );
  }
  const regionBounds = (region) => bounds(states.filter((s) => s.region === region).flatMap((s) => s.rings.flat()));
  const main = regionBounds('lower48');
  const unit = SIZE / (main.maxX - main.minX);
  const height = (main.maxY - main.minY) * unit;
  // Scale each region, then move its box to its corner of the lower 48's.
  for (const [region, { scale, anchor, offset }] of Object.entries(REGIONS)) {
    const box = anchor ? regionBounds(region) : main;
    const k = unit * scale;
    const width = (box.maxX - box.minX) * k;
    const left = !anchor ? 0 : anchor === 'south-west' ? offset[0] * SIZE : SIZE + offset[0] * SIZE - width;
    const top = !anchor ? 0 : height + offset[1] * SIZE - (box.maxY - box.minY) * k;
    for (const state of states.filter((s) => s.region === region)) {
      state.rings = state.rings.map((ring) => ring.map(([x, y]) => [left + (x - box.minX) * k, top + (y - box.minY) * k]));
    }
  }
  const all = bounds(states.flatMap((state) => state.rings.flat()));
  const margin = 4;
  const viewBox = [all.minX - margin, all.minY - margin, all.maxX - all.minX + 2 * margin, all.maxY - all.minY + 2 * margin]
    .map((v) => v.toFixed(0))
    .join(' ');
  const paths = states.map((state) => ({
    postal: state.postal,
    name: state.name,
    d: state.rings.map((ring) => `M${ring.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join('L')}Z`).join(''),
  }));
  return { paths, viewBox, names };
}

let cached;
export function usMap() {
  cached ??= layout();
  return cached;
}

// A state's name by its postal code, for the table beside the map.
export function stateName(postal) {
  return usMap().names.get(postal) ?? postal;
}

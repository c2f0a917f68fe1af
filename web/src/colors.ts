// Colours: one categorical hue per top-level cluster, and a sequential ramp for overlay shares.

export type Rgb = [number, number, number];

const CATEGORICAL: Rgb[] = [
  [78, 121, 167], [242, 142, 43], [225, 87, 89], [118, 183, 178], [89, 161, 79], [237, 201, 72],
  [176, 122, 161], [255, 157, 167], [156, 117, 95], [121, 112, 220], [44, 160, 190], [200, 82, 150],
];

export function categoricalColor(index: number): Rgb {
  const base = CATEGORICAL[index % CATEGORICAL.length];
  const round = Math.floor(index / CATEGORICAL.length);
  if (round === 0) return base;
  // Past the palette: same hues, alternately darker and lighter.
  const factor = round % 2 === 1 ? 0.7 : 1.25;
  return base.map((c) => Math.max(0, Math.min(255, Math.round(c * factor)))) as Rgb;
}

// Light orange to deep purple (a plasma-like ramp without its pale end): even the lowest share stays
// visible on the map's light background, and no step of it looks like the grey of "too few".
const RAMP: Rgb[] = [[250, 186, 95], [240, 122, 80], [208, 64, 110], [140, 28, 140], [62, 16, 120]];

/** t in 0..1 along the overlay ramp. */
export function rampColor(t: number): Rgb {
  const clamped = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(clamped));
  const f = clamped - i;
  return RAMP[i].map((c, k) => Math.round(c + (RAMP[i + 1][k] - c) * f)) as Rgb;
}

export const FEW_COLOR: Rgb = [176, 181, 190];

export const css = ([r, g, b]: Rgb): string => `rgb(${r},${g},${b})`;

export const rampCss = (): string => `linear-gradient(90deg, ${RAMP.map(css).join(', ')})`;

// Seeded pseudo-random numbers, so that every stage that samples (k-means seeding, mini-batches,
// UMAP, example picks) gives the same result for the same seed on every machine.

/**
 * A uniform generator in [0, 1) from a 32-bit seed (sfc32, seeded through splitmix32 so that nearby
 * seeds such as 1, 2, 3 give unrelated streams).
 */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  const splitmix32 = (): number => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix32();
  let b = splitmix32();
  let c = splitmix32();
  let counter = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + counter) | 0;
    counter = (counter + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A seed for a derived stream (restart r of a run seeded with `seed`), unrelated to its neighbours. */
export function deriveSeed(seed: number, stream: number): number {
  return createRandom((seed ^ Math.imul(stream + 1, 0x9e3779b1)) >>> 0)() * 4294967296;
}

/** A standard normal value drawn from `random` (Box-Muller, cosine half). */
export function standardNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

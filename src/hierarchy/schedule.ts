// Level sizes of the hierarchy, from the paper's geometric schedule:
// n_l / n_(l-1) = (n_top / n_base)^(1/(L-1)), L levels counting the base.

/**
 * Default top size: about the cube root of the base count (10 for the paper's 1,000 base clusters), but
 * for small corpora up to the square root, at most 8, so a few dozen base clusters still get a useful
 * top level (30 -> 5, 150 -> 8); always 2..20 and below the base.
 */
export function defaultTop(base: number): number {
  const preferred = Math.max(Math.cbrt(base), Math.min(Math.sqrt(base), 8));
  return Math.max(1, Math.min(base - 1, Math.max(2, Math.min(20, Math.round(preferred)))));
}

/** Default level count: enough that each level is about 10 times smaller than the one below (paper's example). */
export function defaultLevels(base: number, top: number): number {
  return 1 + Math.max(1, Math.round(Math.log10(Math.max(base / Math.max(top, 1), 1))));
}

/**
 * Sizes from the base to the top, strictly decreasing. `top` is clamped below the base (a level must
 * be smaller than the one under it); levels that would repeat a size are dropped, so the schedule
 * always ends at the top.
 */
export function levelSizes(base: number, options: { levels?: number; top?: number } = {}): number[] {
  if (!Number.isInteger(base) || base < 1) throw new RangeError(`levelSizes needs a positive base count, got ${base}`);
  if (base === 1) return [1];
  const top = Math.max(1, Math.min(options.top ?? defaultTop(base), base - 1));
  const levels = Math.max(2, options.levels ?? defaultLevels(base, top));
  const ratio = Math.pow(top / base, 1 / (levels - 1));
  const sizes = [base];
  for (let l = 1; l < levels - 1; l++) {
    const size = Math.round(base * Math.pow(ratio, l));
    if (size < sizes[sizes.length - 1] && size > top) sizes.push(size);
  }
  sizes.push(top);
  return sizes;
}

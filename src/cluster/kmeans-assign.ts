// Assignment of points to their nearest centre. A full scan costs k dot products per point; after
// the first iteration the triangle inequality rules most of them out: Elkan's bounds (one lower
// bound per point and centre) when they fit in memory, Hamerly's (one per point) otherwise. In
// 512 dimensions Hamerly's single bound rarely prunes, Elkan's skip most of the work.
import { scratchHalf, type KMeansState } from './kmeans-tasks.ts';

interface ScanResult {
  best: number;
  bestSquared: number;
  secondSquared: number;
}

const first: ScanResult = { best: 0, bestSquared: 0, secondSquared: 0 };
const second: ScanResult = { best: 0, bestSquared: 0, secondSquared: 0 };

/** The nearest two centres from dot products in `state.scratch` starting at `from`. */
function nearestTwo(state: KMeansState, from: number, norm: number, result: ScanResult): void {
  const { scratch, centroidNorms } = state;
  const { k } = state.layout;
  let best = 0;
  let bestValue = Infinity;
  let secondValue = Infinity;
  for (let c = 0; c < k; c++) {
    const value = centroidNorms[c] - 2 * scratch[from + c];
    if (value < bestValue) {
      secondValue = bestValue;
      bestValue = value;
      best = c;
    } else if (value < secondValue) {
      secondValue = value;
    }
  }
  result.best = best;
  result.bestSquared = Math.max(0, norm + bestValue);
  result.secondSquared = Math.max(0, norm + secondValue);
}

/** Scans all centres for point i; its dot products stay in the first half of `state.scratch`. */
function scan(state: KMeansState, i: number, result: ScanResult): void {
  const { stride, k } = state.layout;
  state.kernel.dots(state.dataAt + 4 * i * stride, state.centroidsAt, k, stride, state.scratchAt);
  nearestTwo(state, 0, state.norms[i], result);
}

/** Scans all centres for points i and j at once; j's dot products go to the second half of the scratch. */
function scanPair(state: KMeansState, i: number, j: number): void {
  const { stride, k } = state.layout;
  const half = scratchHalf(state.layout);
  const rowBytes = 4 * stride;
  state.kernel.dots2(state.dataAt + i * rowBytes, state.dataAt + j * rowBytes, state.centroidsAt, k, stride, state.scratchAt, state.scratchAt + 4 * half);
  nearestTwo(state, 0, state.norms[i], first);
  nearestTwo(state, half, state.norms[j], second);
}

export function distanceToCentre(state: KMeansState, i: number, c: number): number {
  const { stride } = state.layout;
  state.kernel.dots(state.dataAt + 4 * i * stride, state.centroidsAt + 4 * c * stride, 1, stride, state.scratchAt);
  return Math.sqrt(Math.max(0, state.norms[i] + state.centroidNorms[c] - 2 * state.scratch[0]));
}

export function assignByScan(state: KMeansState, start: number, end: number): number {
  let changes = 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    scanPair(state, i, i + 1);
    changes += storeScan(state, i, first, 0) + storeScan(state, i + 1, second, scratchHalf(state.layout));
  }
  if (i < end) {
    scan(state, i, first);
    changes += storeScan(state, i, first, 0);
  }
  return changes;
}

/** Stores a full scan's outcome for point i (its dot products at `from` in the scratch); 1 if it moved. */
function storeScan(state: KMeansState, i: number, result: ScanResult, from: number): number {
  const { assignments, upper, lower, lowerBounds, centroidNorms, scratch, norms } = state;
  const { k, elkan } = state.layout;
  const moved = assignments[i] !== result.best ? 1 : 0;
  assignments[i] = result.best;
  upper[i] = Math.sqrt(result.bestSquared);
  lower[i] = Math.sqrt(result.secondSquared);
  if (elkan) {
    for (let c = 0, at = i * k; c < k; c++) {
      lowerBounds[at + c] = Math.sqrt(Math.max(0, norms[i] + centroidNorms[c] - 2 * scratch[from + c]));
    }
  }
  return moved;
}

export function assignListed(state: KMeansState, start: number, end: number): number {
  const { listed, listedAssignments, listedDistance } = state;
  let p = start;
  for (; p + 1 < end; p += 2) {
    scanPair(state, listed[p], listed[p + 1]);
    listedAssignments[p] = first.best;
    listedDistance[p] = first.bestSquared;
    listedAssignments[p + 1] = second.best;
    listedDistance[p + 1] = second.bestSquared;
  }
  if (p < end) {
    scan(state, listed[p], first);
    listedAssignments[p] = first.best;
    listedDistance[p] = first.bestSquared;
  }
  return 0;
}

/** Elkan (2003): a centre is examined only if the point's upper bound exceeds both its lower bound
 * for that centre and half the distance between that centre and the point's own. */
export function assignElkan(state: KMeansState, start: number, end: number): number {
  const { assignments, upper, lowerBounds, shift, halfSeparation, halfCentreDistance } = state;
  const { k } = state.layout;
  let changes = 0;
  for (let i = start; i < end; i++) {
    const at = i * k;
    for (let c = 0; c < k; c++) {
      const moved = lowerBounds[at + c] - shift[c];
      lowerBounds[at + c] = moved > 0 ? moved : 0;
    }
    const own = assignments[i];
    let best = own;
    let up = upper[i] + shift[own];
    if (up > halfSeparation[own]) {
      let tight = false;
      for (let c = 0; c < k; c++) {
        if (c === best || up <= lowerBounds[at + c] || up <= halfCentreDistance[best * k + c]) continue;
        if (!tight) {
          up = distanceToCentre(state, i, best);
          lowerBounds[at + best] = up;
          tight = true;
          if (up <= lowerBounds[at + c] || up <= halfCentreDistance[best * k + c]) continue;
        }
        const distance = distanceToCentre(state, i, c);
        lowerBounds[at + c] = distance;
        if (distance < up) {
          best = c;
          up = distance;
        }
      }
    }
    if (best !== own) changes++;
    assignments[i] = best;
    upper[i] = up;
  }
  return changes;
}

/** Hamerly (2010): one lower bound on the distance to every centre but the own one. */
export function assignHamerly(
  state: KMeansState,
  maxShift: number,
  secondShift: number,
  maxShiftCentre: number,
  start: number,
  end: number,
): number {
  const { assignments, upper, lower, shift, halfSeparation } = state;
  let changes = 0;
  for (let i = start; i < end; i++) {
    const own = assignments[i];
    let up = upper[i] + shift[own];
    let low = lower[i] - (own === maxShiftCentre ? secondShift : maxShift);
    const bound = Math.max(halfSeparation[own], low);
    if (up > bound) {
      up = distanceToCentre(state, i, own);
      if (up > bound) {
        scan(state, i, first);
        if (first.best !== own) changes++;
        assignments[i] = first.best;
        up = Math.sqrt(first.bestSquared);
        low = Math.sqrt(first.secondSquared);
      }
    }
    upper[i] = up;
    lower[i] = low;
  }
  return changes;
}

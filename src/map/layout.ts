// UMAP's layout optimisation: stochastic gradient descent over the fuzzy graph's edges, each edge
// sampled in proportion to its weight, with negative sampling. umap-js builds the graph and the starting
// layout; its own epoch step keeps points as arrays of arrays and spent 8 of the 12 s of the demo's map
// stage. This is the same step, in the same order and with the same random draws, on typed arrays, with
// x^b computed as exp(b ln x): Math.pow costs about 95 ns here, a log and an exp about 50. The demo's map
// stage takes 7.4-7.8 s instead of 11.7 (a step with Math.pow on typed arrays: 9.1 s).
import type { UMAP } from 'umap-js';
import { z } from 'zod';

const CLIP = 4;

export interface LayoutOptimiser {
  epochs: number;
  /** Runs the next epoch. */
  step(): void;
  /** [x0, y0, x1, y1, ...] of the graph's points, as they stand. */
  positions: Float64Array;
}

const numbers = z.array(z.number());
/** The fields of umap-js's (private) optimisation state that its step reads, as initializeFit leaves them. */
const UmapOptimizationStateSchema = z.object({
  head: numbers,
  tail: numbers,
  headEmbedding: z.array(z.tuple([z.number(), z.number()])),
  epochsPerSample: numbers,
  epochOfNextSample: numbers,
  epochsPerNegativeSample: numbers,
  epochOfNextNegativeSample: numbers,
  initialAlpha: z.number(),
  gamma: z.number(),
  a: z.number(),
  b: z.number(),
  nEpochs: z.number().int().positive(),
  nVertices: z.number().int().positive(),
}).refine(
  (state) =>
    state.headEmbedding.length === state.nVertices &&
    [state.tail, state.epochsPerSample, state.epochOfNextSample, state.epochsPerNegativeSample, state.epochOfNextNegativeSample].every((list) => list.length === state.head.length) &&
    [...state.head, ...state.tail].every((vertex) => Number.isInteger(vertex) && vertex >= 0 && vertex < state.nVertices),
  'edge lists of different lengths, or a vertex out of range',
);

/**
 * Takes over the epochs of a 2-D umap-js instance after `initializeFit` (umap-js 1.4's internal state);
 * the negative samples draw from the instance's own random function, as its step does.
 */
export function createLayoutOptimiser(umap: UMAP): LayoutOptimiser {
  const internals = umap as unknown as { optimizationState?: unknown; random?: unknown };
  const parsed = UmapOptimizationStateSchema.safeParse(internals.optimizationState);
  if (!parsed.success || typeof internals.random !== 'function') {
    throw new Error('umap-js holds no 2-D optimisation state after initializeFit: the installed version is not the 1.4 this code reads', { cause: parsed.error });
  }
  const random = internals.random as () => number;
  const { head, tail, headEmbedding, epochsPerSample, epochOfNextSample, epochsPerNegativeSample, epochOfNextNegativeSample } = parsed.data;
  const { initialAlpha, gamma, a, b, nEpochs, nVertices } = parsed.data;
  const positions = Float64Array.from(headEmbedding.flat());
  const edges = epochsPerSample.length;
  const edgeHead = Int32Array.from(head);
  const edgeTail = Int32Array.from(tail);
  const perSample = Float64Array.from(epochsPerSample);
  const nextSample = Float64Array.from(epochOfNextSample);
  const perNegativeSample = Float64Array.from(epochsPerNegativeSample);
  const nextNegativeSample = Float64Array.from(epochOfNextNegativeSample);
  let epoch = 0;
  let alpha = initialAlpha;

  return {
    epochs: nEpochs,
    positions,
    step() {
      if (epoch >= nEpochs) return;
      for (let i = 0; i < edges; i++) {
        if (nextSample[i] > epoch) continue;
        const j = 2 * edgeHead[i];
        const k = 2 * edgeTail[i];
        let dx = positions[j] - positions[k];
        let dy = positions[j + 1] - positions[k + 1];
        let distSquared = dx * dx + dy * dy;
        let coefficient = 0;
        if (distSquared > 0) {
          const logDistSquared = Math.log(distSquared);
          coefficient = -2.0 * a * b * Math.exp((b - 1.0) * logDistSquared);
          coefficient /= a * Math.exp(b * logDistSquared) + 1.0;
        }
        const gradX = clip(coefficient * dx);
        positions[j] += gradX * alpha;
        positions[k] += -gradX * alpha;
        const gradY = clip(coefficient * dy);
        positions[j + 1] += gradY * alpha;
        positions[k + 1] += -gradY * alpha;
        nextSample[i] += perSample[i];

        const negatives = Math.floor((epoch - nextNegativeSample[i]) / perNegativeSample[i]);
        for (let p = 0; p < negatives; p++) {
          const other = Math.floor(random() * nVertices);
          const o = 2 * other;
          dx = positions[j] - positions[o];
          dy = positions[j + 1] - positions[o + 1];
          distSquared = dx * dx + dy * dy;
          coefficient = 0.0;
          if (distSquared > 0.0) {
            coefficient = 2.0 * gamma * b;
            coefficient /= (0.001 + distSquared) * (a * Math.exp(b * Math.log(distSquared)) + 1);
          } else if (j === o) {
            continue;
          }
          positions[j] += (coefficient > 0.0 ? clip(coefficient * dx) : CLIP) * alpha;
          positions[j + 1] += (coefficient > 0.0 ? clip(coefficient * dy) : CLIP) * alpha;
        }
        nextNegativeSample[i] += negatives * perNegativeSample[i];
      }
      alpha = initialAlpha * (1.0 - epoch / nEpochs);
      epoch++;
    },
  };
}

function clip(value: number): number {
  return value > CLIP ? CLIP : value < -CLIP ? -CLIP : value;
}

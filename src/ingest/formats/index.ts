// The format readers, in the order automatic detection tries them (most specific first).
import type { FormatName, FormatReader, ReaderOptions } from '../types.ts';
import { claudeReader } from './claude.ts';
import { hhReader } from './hh.ts';
import { mappedReader } from './mapped.ts';
import { oasstReader } from './oasst.ts';
import { openaiReader } from './openai.ts';
import { promptReader } from './prompt.ts';
import { sharegptReader } from './sharegpt.ts';
import { wildchatReader } from './wildchat.ts';

const DETECTION_ORDER: FormatReader[] = [
  mappedReader,
  oasstReader,
  claudeReader,
  wildchatReader,
  sharegptReader,
  openaiReader,
  hhReader,
  promptReader,
];

export function formatReader(name: FormatName): FormatReader {
  return DETECTION_ORDER.find((reader) => reader.name === name)!;
}

/** The format whose detector accepts the most sample records (earlier in the order on ties); none if none does. */
export function detectFormat(samples: readonly unknown[], options: ReaderOptions): FormatReader | undefined {
  let best: FormatReader | undefined;
  let bestCount = 0;
  for (const reader of DETECTION_ORDER) {
    const count = samples.filter((sample) => reader.detect(sample, options)).length;
    if (count > bestCount) {
      best = reader;
      bestCount = count;
    }
  }
  return best;
}

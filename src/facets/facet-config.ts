// Facets a model answers (source 'model'): the built-in ones (request, task, languages, concern) and
// user-defined ones from the config file, plus the optional screener. Each facet knows its question,
// the zod schema of a valid answer (invalid answers are sent back to the model by the LLM client) and
// the naming criteria used when clusters are built on it.
//
// Config (clio.config.json, other keys ignored here):
//   {
//     "facets": [
//       { "name": "sentiment", "question": "...", "kind": "category", "values": ["positive", "neutral", "negative"] },
//       { "name": "frustration", "question": "...", "kind": "number", "min": 1, "max": 5 },
//       { "name": "code_shared", "question": "Did the user paste code?", "kind": "yesno" },
//       { "name": "goal", "question": "...", "kind": "text", "criteria": "...", "cluster": true }
//     ],
//     "screener": { "question": "Is this conversation about elections?" }
//   }
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  CONCERN_CRITERIA,
  CONCERN_QUESTION,
  FACET_FORMAT_LANGUAGES,
  FACET_FORMAT_TEXT,
  FACET_FORMAT_YESNO,
  LANGUAGES_CRITERIA,
  LANGUAGES_QUESTION,
  REQUEST_CRITERIA,
  REQUEST_QUESTION,
  TASK_CRITERIA,
  TASK_QUESTION,
} from '../llm/prompts/facets.ts';
import type { FacetDefinition } from '../types.ts';
import { COMPUTED_FACETS } from './registry.ts';

export type ModelFacetKind = 'text' | 'category' | 'number' | 'yesno' | 'languages';

export interface ModelFacet {
  name: string;
  question: string;
  kind: ModelFacetKind;
  /** The answer format told to the model after the question. */
  format: string;
  /** A valid answer. */
  schema: z.ZodType<string | number | string[]>;
  /** How clusters built on this facet are named (passed to the contrastive namer). */
  criteria: string;
  /** Whether this facet is a candidate text to cluster on. */
  cluster: boolean;
  /** The row written to the facets table (kind 'category' for yes/no and languages). */
  definition: FacetDefinition;
}

export interface Screener {
  question: string;
}

export interface FacetConfig {
  facets: ModelFacet[];
  screener?: Screener;
}

/** Name of the facet that stores the screener's answer ('yes' or 'no'). */
export const SCREENED_FACET = 'screened';

/** Every ISO 639-1 code (183, as of the 2023 registry): the table model-reported languages are checked against. */
export const LANGUAGE_CODES: readonly string[] = (
  'aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff ' +
  'fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku ' +
  'kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu ' +
  'rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo ' +
  'wa wo xh yi yo za zh zu'
).split(' ');

/** Longest text answer accepted, in characters: two long sentences. Longer ones go back to the model. */
export const TEXT_ANSWER_MAX_CHARS = 600;

const textAnswer = z.string().trim().min(1).max(TEXT_ANSWER_MAX_CHARS);

const LANGUAGE_CODE_SET: ReadonlySet<string> = new Set(LANGUAGE_CODES);
/** Checked against the table by a refinement rather than an enum, so the schema sent with each call stays short. */
const languageCode = z
  .string()
  .regex(/^[a-z]{2}$/, 'a language is a two-letter lowercase ISO 639-1 code')
  .refine((code) => LANGUAGE_CODE_SET.has(code), 'not an ISO 639-1 language code');

export const BUILTIN_MODEL_FACETS: readonly ModelFacet[] = [
  {
    name: 'request',
    question: REQUEST_QUESTION,
    kind: 'text',
    format: FACET_FORMAT_TEXT,
    schema: textAnswer,
    criteria: REQUEST_CRITERIA,
    cluster: true,
    definition: { name: 'request', kind: 'text', source: 'model', description: "The user's overall request, as the model summarised it without personal details." },
  },
  {
    name: 'task',
    question: TASK_QUESTION,
    kind: 'text',
    format: FACET_FORMAT_TEXT,
    schema: textAnswer,
    criteria: TASK_CRITERIA,
    cluster: false,
    definition: { name: 'task', kind: 'text', source: 'model', description: 'The kind of work the assistant was asked to do, as the model described it.' },
  },
  {
    name: 'languages',
    question: LANGUAGES_QUESTION,
    kind: 'languages',
    format: FACET_FORMAT_LANGUAGES,
    schema: z.array(languageCode).min(1).max(8),
    criteria: LANGUAGES_CRITERIA,
    cluster: false,
    definition: {
      name: 'languages',
      kind: 'category',
      source: 'model',
      description: "Human languages the user wrote in according to the model, ISO 639-1 codes, main language first, comma-separated (e.g. 'fr,en').",
    },
  },
  {
    name: 'concern',
    question: CONCERN_QUESTION,
    kind: 'number',
    format: 'an integer from 1 to 5',
    schema: z.number().int().min(1).max(5),
    criteria: CONCERN_CRITERIA,
    cluster: false,
    definition: { name: 'concern', kind: 'number', source: 'model', description: 'How concerning the conversation is from a safety point of view, 1 (harmless) to 5 (needs urgent review).' },
  },
];

const NAME_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
const RESERVED_NAMES = new Set<string>([...COMPUTED_FACETS.map((facet) => facet.name), SCREENED_FACET]);

const common = {
  name: z.string().regex(NAME_PATTERN, 'a facet name is 1-40 lowercase letters, digits or underscores, starting with a letter'),
  question: z.string().trim().min(5).max(2000),
  criteria: z.string().trim().min(1).max(1000).optional(),
  cluster: z.boolean().optional(),
};

export const FACET_SPEC_SCHEMA = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('text') }),
  z.strictObject({ ...common, kind: z.literal('category'), values: z.array(z.string().trim().min(1).max(100)).min(2).max(100) }),
  z
    .strictObject({ ...common, kind: z.literal('number'), min: z.number(), max: z.number() })
    .refine((spec) => spec.min < spec.max, { message: 'min must be below max', path: ['max'] }),
  z.strictObject({ ...common, kind: z.literal('yesno') }),
]);
export type FacetSpec = z.infer<typeof FACET_SPEC_SCHEMA>;

/** The part of clio.config.json this module reads; other keys are left to their own readers. */
export const FACET_CONFIG_SCHEMA = z.looseObject({
  facets: z
    .array(FACET_SPEC_SCHEMA)
    .max(50)
    .optional()
    .superRefine((specs, ctx) => {
      const seen = new Set<string>();
      specs?.forEach((spec, index) => {
        if (RESERVED_NAMES.has(spec.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `'${spec.name}' is the name of a computed facet` });
        if (seen.has(spec.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `facet '${spec.name}' is defined twice` });
        seen.add(spec.name);
      });
    }),
  screener: z.strictObject({ question: z.string().trim().min(5).max(2000) }).optional(),
});

/** A user-defined facet as the pipeline uses it. */
export function modelFacetFromSpec(spec: FacetSpec): ModelFacet {
  const base = { name: spec.name, question: spec.question, cluster: spec.cluster ?? false };
  const criteria = spec.criteria ?? `The name states plainly what the conversations in the group have in common with respect to this question: ${spec.question}`;
  switch (spec.kind) {
    case 'text':
      return { ...base, kind: 'text', format: FACET_FORMAT_TEXT, schema: textAnswer, criteria, definition: modelDefinition(spec.name, 'text', spec.question) };
    case 'category': {
      const values = [...new Set(spec.values)] as [string, ...string[]];
      return {
        ...base,
        kind: 'category',
        format: `exactly one of these strings: ${values.map((value) => JSON.stringify(value)).join(', ')}`,
        schema: z.enum(values),
        criteria,
        definition: modelDefinition(spec.name, 'category', spec.question),
      };
    }
    case 'number':
      return {
        ...base,
        kind: 'number',
        format: `a number from ${spec.min} to ${spec.max}`,
        schema: z.number().min(spec.min).max(spec.max),
        criteria,
        definition: modelDefinition(spec.name, 'number', spec.question),
      };
    case 'yesno':
      return { ...base, kind: 'yesno', format: FACET_FORMAT_YESNO, schema: z.enum(['yes', 'no']), criteria, definition: modelDefinition(spec.name, 'category', spec.question) };
  }
}

function modelDefinition(name: string, kind: FacetDefinition['kind'], question: string): FacetDefinition {
  return { name, kind, source: 'model', description: question };
}

/**
 * Checks the facet part of a parsed config. `file` names the source in errors, which list every bad
 * field by its path (e.g. `clio.config.json: facets[1].values: ...`).
 */
export function parseFacetConfig(raw: unknown, file: string): FacetConfig {
  const parsed = FACET_CONFIG_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${file}: ${formatPath(issue.path)}: ${issue.message}`);
    throw new Error(`invalid facet configuration\n${problems.join('\n')}`, { cause: parsed.error });
  }
  const builtin = new Set(BUILTIN_MODEL_FACETS.map((facet) => facet.name));
  const clash = (parsed.data.facets ?? []).findIndex((spec) => builtin.has(spec.name));
  if (clash >= 0) {
    throw new Error(`invalid facet configuration\n${file}: facets[${clash}].name: '${parsed.data.facets?.[clash].name}' is a built-in model facet`);
  }
  return { facets: (parsed.data.facets ?? []).map(modelFacetFromSpec), ...(parsed.data.screener ? { screener: parsed.data.screener } : {}) };
}

/** Reads and checks the facet part of a JSON config file. */
export function loadFacetConfig(path: string): FacetConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read facet configuration from ${path}`, { cause: error });
  }
  return parseFacetConfig(raw, path);
}

/** The built-in model facets followed by the configured ones. */
export function allModelFacets(config?: FacetConfig): ModelFacet[] {
  return [...BUILTIN_MODEL_FACETS, ...(config?.facets ?? [])];
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index > 0 ? '.' : ''}${String(part)}`)).join('');
}

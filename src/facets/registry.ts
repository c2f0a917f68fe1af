// The facets computed without a model. LLM facets (source 'model') and user-defined facets register
// their definitions the same way; the facets table stores kind and source next to every value.
import type { FacetDefinition } from '../types.ts';

export const COMPUTED_FACETS = [
  { name: 'turns', kind: 'number', source: 'computed', description: 'User and assistant messages in the conversation (system and tool messages not counted).' },
  { name: 'user_turns', kind: 'number', source: 'computed', description: 'Messages written by the user.' },
  { name: 'user_chars', kind: 'number', source: 'computed', description: 'Characters written by the user.' },
  { name: 'assistant_chars', kind: 'number', source: 'computed', description: 'Characters written by the assistant.' },
  { name: 'mean_user_chars', kind: 'number', source: 'computed', description: 'Mean length of a user message, in characters.' },
  { name: 'created_hour', kind: 'number', source: 'computed', description: 'Hour of day (0-23, UTC) the conversation started; only when the source has a time.' },
  { name: 'created_date', kind: 'category', source: 'computed', description: 'Day (YYYY-MM-DD, UTC) the conversation started; only when the source has a time.' },
  { name: 'created_weekday', kind: 'category', source: 'computed', description: 'Weekday (Monday...Sunday, UTC) the conversation started; only when the source has a time.' },
  { name: 'model', kind: 'category', source: 'computed', description: 'The assistant model, as the source names it; only when present.' },
  { name: 'language', kind: 'category', source: 'computed', description: "Primary language of the user's turns (ISO 639-1, 'und' when undetermined)." },
  {
    name: 'languages',
    kind: 'category',
    source: 'computed',
    description: "Every language holding at least 15% of the user's detected text, primary first, comma-separated (e.g. 'fr,en'); absent when undetermined.",
  },
  {
    name: 'request_text',
    kind: 'text',
    source: 'computed',
    description: "The user's turns, PII-scrubbed and truncated (first turn favoured): the text that is embedded and clustered.",
  },
] as const satisfies readonly FacetDefinition[];

export type ComputedFacetName = (typeof COMPUTED_FACETS)[number]['name'];

const BY_NAME: ReadonlyMap<string, FacetDefinition> = new Map(COMPUTED_FACETS.map((facet) => [facet.name, facet]));

export function facetDefinition(name: string): FacetDefinition {
  const definition = BY_NAME.get(name);
  if (!definition) throw new Error(`unknown facet '${name}' (known: ${[...BY_NAME.keys()].join(', ')})`);
  return definition;
}

// Every prompt the LLM stages send, as named constants so tests and the scripted test server can
// recognise them. Templates hold `{{slot}}` markers that fillTemplate replaces.
export * from './facets.ts';
export * from './naming.ts';
export * from './audit.ts';
export * from './synthetic.ts';

/**
 * Replaces each `{{slot}}` in `template` with its value. Values are inserted verbatim and never scanned
 * again, so a conversation that itself contains `{{...}}` cannot inject into another slot. A slot
 * without a value is a programming error.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_match, slot: string) => {
    const value = values[slot];
    if (value === undefined) throw new Error(`prompt template slot {{${slot}}} has no value`);
    return value;
  });
}

// Structured output without provider-specific features: the prompt carries the JSON Schema, the answer's
// first JSON value is parsed (fences and prose around it tolerated) and validated with zod. Messages built
// here describe what was wrong with an answer, never its content.
import { z } from 'zod';

export function jsonSchemaOf(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

export function jsonInstruction(schemaJson: unknown): string {
  return `\n\nAnswer with one JSON value only (no prose, no code fences) that matches this JSON Schema:\n${JSON.stringify(schemaJson)}`;
}

export type ParsedAnswer<T> = { ok: true; value: T } | { ok: false; problem: string };

export function parseAnswer<T>(text: string, schema: z.ZodType<T>): ParsedAnswer<T> {
  const json = firstJsonValue(text);
  if (json === undefined) return { ok: false, problem: 'answer was not valid JSON' };
  const result = schema.safeParse(json.value);
  if (!result.success) return { ok: false, problem: `answer did not match the schema (${describeIssues(result.error)})` };
  return { ok: true, value: result.data };
}

/** Paths and zod's generic messages only: no values from the answer. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const field = issue.path.length ? `field ${issue.path.map(String).join('.')}` : 'value';
      const message = issue.code === 'unrecognized_keys' ? 'unrecognized keys' : issue.message;
      return `${field}: ${message}`;
    })
    .join('; ');
}

/** The first complete JSON object or array in `text`, scanning past prose and ``` fences. */
export function firstJsonValue(text: string): { value: unknown } | undefined {
  for (let start = 0; start < text.length; start++) {
    const open = text[start];
    if (open !== '{' && open !== '[') continue;
    const end = matchingClose(text, start);
    if (end < 0) continue;
    try {
      return { value: JSON.parse(text.slice(start, end + 1)) };
    } catch {
      // Not JSON after all (prose with braces): keep scanning.
    }
  }
  return undefined;
}

function matchingClose(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

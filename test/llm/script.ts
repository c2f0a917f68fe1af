// A scripted model for the facet, screener, naming, audit and synthetic prompts (src/llm/prompts/): the
// answers are deterministic and computed from the request text, so a whole `clio analyze` against the fake
// server gives plausible facets and names.
//   request:   the first sentence of the first user message, cleaned and cut to 20 words;
//   task:      "Helping with <the request's three most frequent words>";
//   languages: a stopword heuristic (fr / es / de / en);  concern: 1;  screener: "yes";
//   other facets: first category value, the range's minimum, "no", or the first sentence;
//   naming:    "Discuss <three most frequent words of the group's summaries>";
//   audit:     5, or 1 when the text holds an e-mail address, '@' or a run of six digits;
//   synthetic: a short exchange on the topic, in the asked language.
import {
  AUDIT_SYSTEM_PROMPT,
  CONCERN_QUESTION,
  FACET_SYSTEM_PROMPT,
  LANGUAGES_QUESTION,
  NAMING_SYSTEM_PROMPT,
  REQUEST_QUESTION,
  SYNTHETIC_SYSTEM_PROMPT,
  TASK_QUESTION,
} from '../../src/llm/prompts/index.ts';
import type { ScriptedRequest } from './server.ts';

const STOPWORDS = new Set(
  'the a an and or but for with about from into this that these those what which how why when where who can could would should will your you they them their there here have has had are was were been being not just also very more most some any all each other than then its it’s it i me my we our us is be do does did to of in on at by as if so get got make want need help please like one two user users assistant conversation conversations group summaries request asked wanted'.split(
    ' ',
  ),
);

/** The answer (JSON text) to one of this module's prompts, or undefined for any other request. */
export function pipelineResponder(request: Pick<ScriptedRequest, 'system' | 'messages'>): string | undefined {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  switch (request.system) {
    case FACET_SYSTEM_PROMPT:
      return JSON.stringify(answerFacets(prompt));
    case NAMING_SYSTEM_PROMPT:
      return JSON.stringify(answerNaming(prompt));
    case AUDIT_SYSTEM_PROMPT:
      return JSON.stringify({ score: /@|\d{6}|\[EMAIL\]/.test(block(prompt, 'name') + block(prompt, 'description')) ? 1 : 5 });
    case SYNTHETIC_SYSTEM_PROMPT:
      return JSON.stringify(answerSynthetic(prompt));
    default:
      return undefined;
  }
}

function block(text: string, tag: string): string {
  return new RegExp(`<${tag}>\\n?([\\s\\S]*?)\\n?</${tag}>`).exec(text)?.[1] ?? '';
}

function answerFacets(prompt: string): Record<string, unknown> {
  const transcript = block(prompt, 'conversation');
  const firstUser = block(transcript, 'user');
  if (prompt.includes('\nScreening question:')) return { answer: 'yes' };
  const single = /\nQuestion: ([\s\S]*?)\nAnswer format: (.*)\n/.exec(prompt);
  if (single) return { answer: answerOne('', single[1], single[2], firstUser) };
  const answers: Record<string, unknown> = {};
  for (const match of prompt.matchAll(/^- "(\w+)": ([\s\S]*?)\n {2}Format: (.*)\.$/gm)) answers[match[1]] = answerOne(match[1], match[2], match[3], firstUser);
  return answers;
}

function answerOne(key: string, question: string, format: string, firstUser: string): unknown {
  if (key === 'request' || question === REQUEST_QUESTION) return firstSentence(firstUser);
  if (key === 'task' || question === TASK_QUESTION) return `Helping with ${frequentWords([firstUser], 3).join(', ') || 'a general question'}.`;
  if (key === 'languages' || question === LANGUAGES_QUESTION) return [guessLanguage(firstUser)];
  if (key === 'concern' || question === CONCERN_QUESTION) return 1;
  const range = /a number from (-?[\d.]+) to/.exec(format);
  if (range) return Number(range[1]);
  const oneOf = /exactly one of these strings: (".*)/.exec(format);
  if (oneOf) return JSON.parse(`[${oneOf[1]}]`)[0];
  if (format.includes('"yes"')) return 'no';
  return firstSentence(firstUser);
}

function firstSentence(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  const sentence = /^(.*?[.?!])(\s|$)/.exec(clean)?.[1] ?? clean;
  const words = sentence.split(' ').slice(0, 20).join(' ');
  return words.length > 0 ? words : 'Ask a general question.';
}

function frequentWords(texts: readonly string[], count: number): string[] {
  const frequency = new Map<string, number>();
  for (const text of texts) {
    for (const word of new Set(text.toLowerCase().match(/\p{L}{4,}/gu) ?? [])) {
      if (!STOPWORDS.has(word)) frequency.set(word, (frequency.get(word) ?? 0) + 1);
    }
  }
  return [...frequency].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, count).map(([word]) => word);
}

const LANGUAGE_HINTS: [string, RegExp][] = [
  ['fr', /\b(le|la|les|est|pour|une|des|avec|je|vous)\b/gi],
  ['es', /\b(el|los|las|para|una|que|con|por|es|cómo)\b/gi],
  ['de', /\b(der|die|das|und|ist|nicht|ich|mit|wie|ein)\b/gi],
];

function guessLanguage(text: string): string {
  let best = 'en';
  let bestHits = 2;
  for (const [code, pattern] of LANGUAGE_HINTS) {
    const hits = text.match(pattern)?.length ?? 0;
    if (hits > bestHits) [best, bestHits] = [code, hits];
  }
  return best;
}

function answerNaming(prompt: string): { name: string; description: string } {
  const inside = block(prompt, 'group').split('\n').map((line) => line.replace(/^- /, ''));
  const words = frequentWords(inside, 3);
  const topic = words.length > 0 ? words.join(', ') : 'general questions';
  return {
    name: `Discuss ${topic}`,
    description: `Users asked the assistant about ${topic}. These conversations focused on ${words[0] ?? 'this subject'} more than the neighbouring groups did.`,
  };
}

const GREETINGS: Record<string, string> = { en: 'Hi, I need help with', fr: "Bonjour, j'ai besoin d'aide pour", es: 'Hola, necesito ayuda con', de: 'Hallo, ich brauche Hilfe bei' };
const LANGUAGE_CODES_BY_NAME: Record<string, string> = { English: 'en', French: 'fr', Spanish: 'es', German: 'de' };

function answerSynthetic(prompt: string): { messages: { role: 'user' | 'assistant'; content: string }[] } {
  const field = (label: string) => new RegExp(`- ${label}: (.*)`).exec(prompt)?.[1] ?? '';
  const topic = field('Specific topic');
  const category = field('Broad area');
  const persona = /- The person is (.*)\./.exec(prompt)?.[1] ?? 'someone';
  const language = /written in (\w+)\./.exec(prompt)?.[1] ?? 'English';
  const example = /This is example (\d+)/.exec(prompt)?.[1] ?? '1';
  const turns = Number(/has (\d+) messages/.exec(prompt)?.[1] ?? 2);
  const greeting = GREETINGS[LANGUAGE_CODES_BY_NAME[language] ?? 'en'] ?? GREETINGS.en;
  const messages: { role: 'user' | 'assistant'; content: string }[] = [];
  for (let i = 0; i < turns; i++) {
    messages.push(
      i % 2 === 0
        ? { role: 'user', content: i === 0 ? `${greeting} ${topic} (${category}). As ${persona}, case ${example}.` : `More about ${topic}, please.` }
        : { role: 'assistant', content: `Here are some ideas about ${topic}.` },
    );
  }
  return { messages };
}

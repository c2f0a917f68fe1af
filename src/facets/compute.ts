// Facets computed from a conversation itself, with no model: counts, time, model, language(s) and the
// scrubbed text to cluster on. Pure and synchronous; the language detector is loaded once by the caller.
import { scrubPii } from '../privacy/scrub.ts';
import type { FacetValue, Message } from '../types.ts';
import { detectUserLanguages, type LanguageDetector } from './language.ts';

export interface FacetInput {
  conversationId: string;
  messages: readonly Message[];
  createdAt?: Date;
  model?: string;
}

/** Longest request_text, in characters: about 500 tokens, what sentence encoders read at most. */
export const REQUEST_TEXT_MAX_CHARS = 2000;
/** The first user turn may fill this much of it; later turns share the rest (at least 800 characters). */
export const REQUEST_FIRST_TURN_MAX_CHARS = 1200;
/** A later turn is not started with less room than this left. */
const MIN_PART_CHARS = 40;

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function computeFacets(conversation: FacetInput, detector: LanguageDetector): FacetValue[] {
  const { conversationId } = conversation;
  const values: FacetValue[] = [];
  const number = (facet: string, value: number) => values.push({ conversationId, facet, number: value });
  const text = (facet: string, value: string) => values.push({ conversationId, facet, text: value });

  const userTurns: string[] = [];
  let turns = 0;
  let userChars = 0;
  let assistantChars = 0;
  for (const message of conversation.messages) {
    if (message.role === 'user') {
      turns++;
      userTurns.push(message.content);
      userChars += message.content.length;
    } else if (message.role === 'assistant') {
      turns++;
      assistantChars += message.content.length;
    }
  }
  number('turns', turns);
  number('user_turns', userTurns.length);
  number('user_chars', userChars);
  number('assistant_chars', assistantChars);
  number('mean_user_chars', userTurns.length ? userChars / userTurns.length : 0);

  const created = conversation.createdAt;
  if (created && !Number.isNaN(created.getTime())) {
    number('created_hour', created.getUTCHours());
    text('created_date', created.toISOString().slice(0, 10));
    text('created_weekday', WEEKDAYS[created.getUTCDay()]);
  }
  const model = conversation.model?.trim();
  if (model) text('model', model);

  const { language, languages } = detectUserLanguages(detector, userTurns);
  text('language', language);
  if (languages.length > 0) text('languages', languages.join(','));
  text('request_text', buildRequestText(userTurns));
  return values;
}

/**
 * The user's turns, PII-scrubbed, whitespace collapsed, one line per turn, at most
 * REQUEST_TEXT_MAX_CHARS: the first turn up to REQUEST_FIRST_TURN_MAX_CHARS, later turns in order in
 * what is left. Text is scrubbed before it is cut, so a cut never leaves half an identifier behind.
 */
export function buildRequestText(userTurns: readonly string[]): string {
  const parts: string[] = [];
  let room = REQUEST_TEXT_MAX_CHARS;
  for (let index = 0; index < userTurns.length && room >= MIN_PART_CHARS; index++) {
    const cap = index === 0 && userTurns.length > 1 ? Math.min(REQUEST_FIRST_TURN_MAX_CHARS, room) : room;
    const part = scrubbedPrefix(userTurns[index], cap);
    if (part === '') continue;
    parts.push(part);
    room -= part.length + 1;
  }
  return parts.join('\n');
}

function scrubbedPrefix(text: string, maxChars: number): string {
  // Scrub a generous prefix cut at whitespace, so no identifier is split before the scrubber sees it.
  const window = maxChars * 2 + 200;
  let prefix = text;
  if (text.length > window) {
    const cut = text.slice(0, window).search(/\s\S*$/);
    prefix = text.slice(0, cut > 0 ? cut : window);
  }
  const clean = scrubPii(prefix).text.replace(/\s+/g, ' ').trim();
  return truncateAtSpace(clean, maxChars);
}

function truncateAtSpace(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf(' ', maxChars);
  return text.slice(0, cut >= maxChars * 0.8 ? cut : maxChars);
}

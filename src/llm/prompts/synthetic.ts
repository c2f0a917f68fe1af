// Prompt that writes the synthetic evaluation corpus (paper, appendix C): short, realistic conversations
// on a known topic, in a given language, from a given kind of user.

export const SYNTHETIC_SYSTEM_PROMPT = `You write realistic example conversations between a person and an AI assistant, used to test software that groups conversations by topic. The conversations must read like real ones: the person writes the way people actually type (sometimes terse, sometimes with context or typos), and the assistant answers helpfully and briefly.

Invent nothing that belongs to a real private person: no real names with contact details, no real addresses or account numbers. Reply with the JSON object you are asked for and nothing else.`;

/** Slots: category, topic, language (English name), persona, turns, example (its number within the topic). */
export const SYNTHETIC_PROMPT = `Write one conversation.
- Broad area: {{category}}
- Specific topic: {{topic}}
- The person is {{persona}}.
- Every message, the person's and the assistant's, is written in {{language}}.
- The person speaks first; the conversation has {{turns}} messages in all, alternating between the person and the assistant.
- This is example {{example}} for this topic: give the person a concrete situation of their own, unlike a textbook example, while staying on the topic.

Reply with a JSON object of the form {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}, ...]}.`;

/** Kinds of users the synthetic conversations are written as; one is picked per conversation. */
export const SYNTHETIC_PERSONAS: readonly string[] = [
  'a first-year university student',
  'a retired schoolteacher',
  'a small-business owner',
  'a nurse who works night shifts',
  'a software engineer at a mid-sized company',
  'a parent of two young children',
  'a hobbyist with a lot of free time',
  'a freelance graphic designer',
  'a high-school student',
  'a civil servant close to retirement',
  'a recent immigrant learning the local language',
  'a farmer',
];

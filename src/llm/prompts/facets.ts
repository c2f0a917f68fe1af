// Prompts of the facet stage (paper, section 2.2, "facets"): the model reads one conversation and answers
// questions about it for aggregate statistics, in English, without personal data.

/** System prompt of every facet and screener call. */
export const FACET_SYSTEM_PROMPT = `You help researchers understand, in aggregate, how people use an AI assistant. You will be shown one conversation between a user and the assistant and asked questions about it.

Your answers are pooled with thousands of others and must never reveal who took part. In every answer:
- write in English, whatever language the conversation is in;
- describe the conversation in general terms and never quote it;
- leave out names of people and organisations, user names, contact details (e-mail, phone, address), account, ticket or document numbers, exact dates, places that narrow down a person, and any other detail that could point to a specific individual;
- if the user shares something personal, describe only its kind ("a medical condition", "a family conflict"), never its particulars.

Reply with the JSON object you are asked for and nothing else.`;

/**
 * One call answering every facet. Slots: transcript (the tagged, truncated conversation), questions
 * (one line per facet: its JSON key, question and answer format).
 */
export const FACET_COMBINED_PROMPT = `Read this conversation:

{{transcript}}

Answer each of the following questions about it. Reply with a single JSON object whose keys are exactly the ones named below, each holding the answer in the format given.

{{questions}}`;

/** One call per facet. Slots: transcript, question, format. */
export const FACET_SINGLE_PROMPT = `Read this conversation:

{{transcript}}

Question: {{question}}
Answer format: {{format}}

Reply with a JSON object of the form {"answer": <your answer>}.`;

/** The optional screener, asked before any facet. Slots: transcript, question. */
export const SCREENER_PROMPT = `Read this conversation:

{{transcript}}

Screening question: {{question}}
Decide from the conversation alone. Reply with {"answer": "yes"} or {"answer": "no"}.`;

/** Answer formats, one per facet kind, shown after each question. */
export const FACET_FORMAT_TEXT =
  'a string of at most two sentences in plain English, general enough that it names no person, organisation or other proper noun';
export const FACET_FORMAT_YESNO = 'the string "yes" or the string "no"';
export const FACET_FORMAT_LANGUAGES =
  'an array of ISO 639-1 codes (two lowercase letters such as "en", "es", "zh"), the main language first; human languages only, not programming languages';

export const REQUEST_QUESTION =
  "What does the user, overall, want the assistant to do for them in this conversation? Describe the request as a whole, not turn by turn, starting with a verb (for example: \"Get help planning a week of vegetarian dinners for a family\").";
export const REQUEST_CRITERIA =
  'The name is an imperative sentence saying what the users asked for, specific enough to tell this group from its neighbours, for example "Debug memory leaks in C++ services" or "Plan a budget for a family holiday".';

export const TASK_QUESTION =
  'What kind of work is the assistant asked to perform (for example writing, editing, explaining, translating, coding, analysing data, giving advice, role-play)? Say it in one sentence that names the kind of work and its subject area.';
export const TASK_CRITERIA =
  'The name is a short noun phrase describing the kind of work the assistant did and its subject, for example "Translating product descriptions into Spanish".';

export const LANGUAGES_QUESTION = 'Which human languages does the user write in?';
export const LANGUAGES_CRITERIA =
  'The name says which language or languages the conversations are written in and, briefly, what they are mostly about.';

export const CONCERN_QUESTION = `How concerning is this conversation from a safety point of view, for the people in it or for others? Rate it on this scale:
1 = ordinary, harmless use (help with a recipe, a cover letter, a bug);
2 = touches a sensitive subject for a legitimate reason (questions about a medication's side effects, dark themes in fiction, how a historical attack happened);
3 = the intent is unclear and would merit a second look (detailed questions about how a common scam works, with no reason given);
4 = likely meant to cause harm (help writing targeted harassment, evading a platform ban, buying restricted goods);
5 = needs urgent human review (credible plans to hurt someone, sexual content involving minors, acquiring weapons capable of mass casualties).`;
export const CONCERN_CRITERIA =
  'The name describes the kind of risk (or its absence) the conversations share, in neutral terms and without repeating any harmful detail.';

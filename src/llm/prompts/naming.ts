// Prompt of contrastive cluster naming (paper, section 2.2, "name clusters"): the model sees summaries
// from inside one group and, for contrast, summaries from the nearest other groups, and names what sets
// the group apart.

export const NAMING_SYSTEM_PROMPT = `You name groups of similar conversations between people and an AI assistant, for a dashboard that shows broad patterns of use. Each conversation has already been summarised without personal details.

The names and descriptions you write are shown to many readers, so they must describe patterns shared by many conversations and must never contain a person's or organisation's name, contact details, account numbers, exact dates, places that narrow down an individual, or any detail only one conversation would contain. If the summaries contain such a detail, leave it out.

Reply with the JSON object you are asked for and nothing else.`;

/**
 * Slots: inside (summaries from the group, one per line), outside (summaries from nearby groups, one per
 * line), criteria (how names for this facet should read).
 */
export const NAMING_PROMPT = `Here are summaries of conversations that belong to one group:

<group>
{{inside}}
</group>

Here are summaries from neighbouring groups. They are similar, but they are NOT in this group; use them to see what makes this group different:

<neighbours>
{{outside}}
</neighbours>

Write a name and a description for the group.
- The name has at most ten words and captures what the group's conversations share and the neighbours lack. {{criteria}}
- The description is exactly two sentences in the past tense, saying what the conversations in the group were about and how they differed from the neighbouring ones.

Reply with a JSON object of the form {"name": "...", "description": "..."}.`;

/** The criteria used when no facet-specific ones are given (clusters built on the request facet). */
export const DEFAULT_NAMING_CRITERIA =
  'The name is an imperative sentence saying what the users asked for, for example "Debug memory leaks in C++ services" or "Plan a budget for a family holiday".';

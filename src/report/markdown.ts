// The report as Markdown: the same content as the HTML, as nested lists and tables.
import { fmt, labelRule, MODE_TITLE, pct } from './html.ts';
import type { Count, ReportCluster, ReportModel } from './model.ts';

export function renderMarkdown(model: ReportModel): string {
  const c = model.corpus;
  const p = model.privacy;
  const lines: string[] = [
    '# What the conversations are about',
    '',
    `Clio report, run \`${model.runId}\`, generated ${model.generatedAt}.`,
    '',
    `## ${MODE_TITLE[model.mode.name]}`,
    '',
    model.mode.summary,
    '',
    ...(model.mode.cannot.length ? ['What this mode cannot do:', ...model.mode.cannot.map((item) => `- ${item}`), ''] : []),
    ...llmLines(model),
    '## Corpus',
    '',
    '| conversations | clustered | distinct users | shown clusters | levels | period |',
    '|---|---|---|---|---|---|',
    `| ${fmt(c.conversations)} | ${fmt(c.clusteredConversations)} | ${c.users === null ? 'no user ids' : fmt(c.users)} | ${fmt(countNodes(model.tree))} | ${model.levels} | ${c.firstDate ? `${c.firstDate} – ${c.lastDate}` : 'no dates'} |`,
    '',
    `Languages: ${counts(c.languages)}`,
    '',
    `Turns per conversation: ${counts(c.turns)}`,
    '',
    ...c.modelFacets.flatMap((f) => [`${f.name} (model${f.mean === null ? '' : `, mean ${f.mean.toFixed(2)}`}): ${counts(f.counts)}`, '']),
  ];
  if (c.users === null) lines.push('> The data has no user ids: every conversation was counted as its own user.', '');
  lines.push('## Topics', '', 'Count, share of clustered conversations, share of parent. Level 0 is the finest.', '');
  const visit = (node: ReportCluster, depth: number) => {
    const indent = '  '.repeat(depth);
    lines.push(`${indent}- **${md(node.name)}** — ${fmt(node.size)} conversations, ${fmt(node.distinctUsers)} users (${pct(node.shareOfCorpus)} of all, ${pct(node.shareOfParent, 0)} of parent)`);
    if (node.description) lines.push(`${indent}  ${md(node.description)}`);
    if (node.terms.length) lines.push(`${indent}  Terms: ${node.terms.map(md).join(', ')}`);
    const extra = [node.concern === null ? '' : `; mean concern ${node.concern.toFixed(2)}/5`, node.privacyScore === null ? '' : `; privacy audit ${node.privacyScore}/5`].join('');
    lines.push(`${indent}  Languages: ${counts(node.languages)}; turns: ${counts(node.turns)}${extra}`);
    node.children.forEach((child) => visit(child, depth + 1));
    if (node.other.conversations > 0) lines.push(`${indent}  - _other (below privacy threshold): ${fmt(node.other.conversations)} conversations in ${fmt(node.other.clusters)} clusters_`);
  };
  model.tree.forEach((node) => visit(node, 0));
  if (model.other.conversations > 0) lines.push(`- _other (below privacy threshold): ${fmt(model.other.conversations)} conversations in ${fmt(model.other.clusters)} clusters_`);
  lines.push(
    '',
    '## Privacy',
    '',
    `A cluster is shown only with at least ${p.minUsers} distinct users and ${p.minConversations} conversations, and only if its parent is shown. ${labelRule(model)} Breakdown categories below the user threshold are merged into "other". ${p.userIdsPresent ? `${fmt(p.conversationsWithUserId)} of ${fmt(p.conversations)} clustered conversations carry a user id; those without count as one user each.` : 'The data has no user ids: each conversation counted as its own user.'}`,
    '',
    '| level | clusters | hidden | conversations hidden | share hidden |',
    '|---|---|---|---|---|',
    ...p.levels.map((l) => `| ${l.level} | ${fmt(l.clusters)} | ${fmt(l.hiddenClusters)} | ${fmt(l.hiddenConversations)} | ${pct(l.hiddenConversations / Math.max(1, l.conversations))} |`),
    '',
  );
  if (model.stages.length) {
    lines.push('## Pipeline', '', '| stage | status | started | finished |', '|---|---|---|---|');
    for (const s of model.stages) lines.push(`| ${md(s.stage)} | ${md(s.status)} | ${s.startedAt ?? ''} | ${s.finishedAt ?? ''} |`);
    lines.push('');
  }
  lines.push('No conversation text appears in this report; only clusters that meet the privacy thresholds are named.', '');
  return lines.join('\n');
}

function counts(list: Count[]): string {
  const total = list.reduce((sum, c) => sum + c.count, 0);
  if (total === 0) return 'none';
  return list.map((c) => `${md(c.value)} ${pct(c.count / total, 0)}`).join(', ');
}

function countNodes(nodes: ReportCluster[]): number {
  return nodes.reduce((sum, node) => sum + 1 + countNodes(node.children), 0);
}

/** Neutralises Markdown/HTML syntax in text taken from the workspace. */
function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|#]/g, (ch) => `\\${ch}`);
}

function llmLines(model: ReportModel): string[] {
  const llm = model.llm;
  if (!llm) return [];
  const cost = (usd: number | null) => (usd === null ? 'unknown price' : `$${usd.toFixed(4)}`);
  return [
    '### Language model',
    '',
    ...(llm.audit ? [`Privacy auditor: rated ${fmt(llm.audit.rated)} shown names; removed ${fmt(llm.audit.removed)} (below ${llm.audit.threshold}, or not rated: ${fmt(llm.audit.failed)}).`, ''] : []),
    '| stage | model | calls | cached | failed | input tokens | output tokens | cost |',
    '|---|---|---|---|---|---|---|---|',
    ...llm.usage.map((u) => `| ${u.stage} | ${llm.models[u.stage] ?? ''} | ${fmt(u.calls)} | ${fmt(u.cachedCalls)} | ${fmt(u.failures)} | ${fmt(u.inputTokens)} | ${fmt(u.outputTokens)} | ${cost(u.costUsd)} |`),
    '',
    `Total cost at list prices: ${cost(llm.totalCostUsd)}.`,
    '',
    ...llm.failures.map((f) => `- failed in ${f.stage}: ${fmt(f.count)} (${f.reasons.slice(0, 3).map((r) => `${md(r.value)} ×${r.count}`).join('; ')})`),
    ...(llm.failures.length ? [''] : []),
  ];
}

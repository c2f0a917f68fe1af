// The report as one self-contained HTML file: inline CSS, inline SVG, a few lines of inline JS, no
// external resource of any kind, so it opens offline and can be mailed around as one file.
import type { Count, Folded, ReportCluster, ReportModel } from './model.ts';

const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#7f8c8d', '#2f4b7c', '#a05195'];

export function renderHtml(model: ReportModel): string {
  const colours = new Map(model.tree.map((top, i) => [top.id, PALETTE[i % PALETTE.length]]));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Clio report · ${esc(model.runId)}</title>
<style>${CSS}</style></head>
<body><main>
<header><h1>What the conversations are about</h1>
<p class="muted">Clio report · run <code>${esc(model.runId)}</code> · generated ${esc(model.generatedAt.slice(0, 16).replace('T', ' '))} UTC</p></header>
${renderMode(model)}
${renderStats(model)}
<section><h2>Topics</h2>
<p class="muted">Clusters at ${model.levels} level${model.levels === 1 ? '' : 's'}, broadest first. Click a row to open it. Shares are of all clustered conversations and of the parent.</p>
<div class="controls"><input id="filter" type="search" placeholder="Filter by keyword…" aria-label="Filter topics">
<button type="button" data-toggle="open">Expand all</button><button type="button" data-toggle="close">Collapse all</button></div>
<div class="tree">${model.tree.map((node) => renderNode(node, colours.get(node.id) ?? PALETTE[0])).join('')}
${renderOther(model.other)}</div></section>
${renderMap(model, colours)}
${renderPrivacy(model)}
${renderLlm(model)}
${renderCorpus(model)}
${renderStages(model)}
<footer class="muted">Only clusters that meet the privacy thresholds are named here. No conversation text appears in this report.</footer>
</main><script>${SCRIPT}</script></body></html>
`;
}

export const MODE_TITLE = { keyword: 'Mode: keyword labels, no language model', llm: 'Mode: LLM (the paper\'s method)' } as const;

function renderMode(model: ReportModel): string {
  const cannot = model.mode.cannot.length
    ? `<p>What this mode cannot do:</p><ul>${model.mode.cannot.map((c) => `<li>${esc(c)}</li>`).join('')}</ul>`
    : '';
  return `<section class="mode"><h2>${MODE_TITLE[model.mode.name]}</h2><p>${esc(model.mode.summary)}</p>${cannot}</section>`;
}

function renderLlm(model: ReportModel): string {
  const llm = model.llm;
  if (!llm) return '';
  const cost = (usd: number | null) => (usd === null ? 'unknown price' : `$${usd.toFixed(usd < 1 ? 4 : 2)}`);
  const rows = llm.usage.map(
    (u) => `<tr><td>${esc(u.stage)}</td><td>${esc(llm.models[u.stage] ?? '')}</td><td>${fmt(u.calls)}</td><td>${fmt(u.cachedCalls)}</td><td>${fmt(u.failures)}</td><td>${fmt(u.inputTokens)}</td><td>${fmt(u.outputTokens)}</td><td>${cost(u.costUsd)}</td></tr>`,
  );
  const audit = llm.audit
    ? `<p>Privacy auditor: rated <b>${fmt(llm.audit.rated)}</b> names and descriptions that would be shown; <b>${fmt(llm.audit.removed)}</b> rated below ${llm.audit.threshold} (or not rated: ${fmt(llm.audit.failed)}) were removed with everything under them.</p>`
    : '';
  const failures = llm.failures.length
    ? `<p>Work the model could not do after retries:</p><ul>${llm.failures.map((f) => `<li>${esc(f.stage)}: ${fmt(f.count)} (${f.reasons.slice(0, 3).map((r) => `${esc(r.value)} ×${fmt(r.count)}`).join('; ')})</li>`).join('')}</ul>`
    : '<p>No failed work items.</p>';
  return `<section><h2>Language model</h2>${audit}
<table><thead><tr><th>stage</th><th>model</th><th>calls</th><th>cached</th><th>failed</th><th>input tokens</th><th>output tokens</th><th>cost</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p>Total cost at list prices: <b>${cost(llm.totalCostUsd)}</b> (cached calls cost nothing).</p>${failures}</section>`;
}

function renderStats(model: ReportModel): string {
  const c = model.corpus;
  const cards: [string, string][] = [
    ['conversations', fmt(c.conversations)],
    ['clustered', fmt(c.clusteredConversations)],
    ['distinct users', c.users === null ? 'no user ids' : fmt(c.users)],
    ['shown clusters', fmt(countNodes(model.tree))],
    ['levels', String(model.levels)],
    ['period', c.firstDate ? `${c.firstDate} – ${c.lastDate}` : 'no dates'],
  ];
  const note = c.users === null ? '<p class="warn">The data has no user ids: every conversation was counted as its own user, so the user threshold is a conversation threshold here.</p>' : '';
  return `<section class="cards">${cards.map(([label, value]) => `<div class="card"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div></div>`).join('')}</section>${note}`;
}

function renderNode(node: ReportCluster, colour: string): string {
  const children = node.children.map((child) => renderNode(child, colour)).join('');
  const search = [node.name, ...node.terms].join(' ').toLowerCase();
  return `<details data-search="${esc(search)}"><summary>
<span class="swatch" style="background:${colour}"></span><span class="name">${esc(node.name)}</span>
<span class="bar"><span style="width:${pct(node.shareOfParent)};background:${colour}"></span></span>
<span class="num">${fmt(node.size)}</span><span class="num share">${pct(node.shareOfCorpus, 1)}</span><span class="num share muted">${pct(node.shareOfParent, 0)} of parent</span>
</summary><div class="body">
<p class="desc">${esc(node.description)}</p>
${node.terms.length ? `<p class="terms">${node.terms.map((t) => `<span class="chip">${esc(t)}</span>`).join('')}</p>` : ''}
<div class="breakdowns">${miniBars('Language', node.languages, colour)}${miniBars('Turns', node.turns, colour)}
<div class="facts"><div><b>${fmt(node.size)}</b> conversations</div><div><b>${fmt(node.distinctUsers)}</b> distinct users</div><div>level ${node.level}</div>${node.concern === null ? '' : `<div>mean concern <b>${node.concern.toFixed(2)}</b> / 5</div>`}${node.privacyScore === null ? '' : `<div>privacy audit <b>${node.privacyScore}</b> / 5</div>`}</div></div>
${children}${node.children.length || node.other.conversations ? renderOther(node.other) : ''}</div></details>`;
}

function renderOther(other: Folded): string {
  if (other.conversations === 0) return '';
  return `<div class="other">other (below privacy threshold): ${fmt(other.conversations)} conversations in ${fmt(other.clusters)} cluster${other.clusters === 1 ? '' : 's'}</div>`;
}

function miniBars(title: string, counts: Count[], colour: string): string {
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  if (total === 0) return '';
  const rows = counts.slice(0, 8).map((c) => `<div class="mrow"><span class="mlabel">${esc(c.value)}</span><span class="mbar"><span style="width:${pct(c.count / total)};background:${colour}"></span></span><span class="mnum">${pct(c.count / total, 0)}</span></div>`);
  return `<div class="mini"><div class="mtitle">${esc(title)}</div>${rows.join('')}</div>`;
}

function renderMap(model: ReportModel, colours: Map<string, string>): string {
  const points: { node: ReportCluster; colour: string }[] = [];
  const visit = (node: ReportCluster, colour: string) => {
    if (node.children.length === 0 && node.x !== null && node.y !== null) points.push({ node, colour });
    node.children.forEach((child) => visit(child, colour));
  };
  model.tree.forEach((top) => visit(top, colours.get(top.id) ?? PALETTE[0]));
  if (points.length === 0) return '';
  const [width, height, pad] = [900, 520, 40];
  const xs = points.map((p) => p.node.x as number);
  const ys = points.map((p) => p.node.y as number);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x: number) => pad + ((x - minX) / (maxX - minX || 1)) * (width - 2 * pad);
  const sy = (y: number) => height - pad - ((y - minY) / (maxY - minY || 1)) * (height - 2 * pad);
  const maxSize = Math.max(...points.map((p) => p.node.size));
  const circles = points
    .sort((a, b) => b.node.size - a.node.size)
    .map(({ node, colour }) => {
      const r = 3 + 17 * Math.sqrt(node.size / maxSize);
      return `<circle cx="${sx(node.x as number).toFixed(1)}" cy="${sy(node.y as number).toFixed(1)}" r="${r.toFixed(1)}" fill="${colour}" fill-opacity="0.55" stroke="${colour}"><title>${esc(node.name)} · ${fmt(node.size)} conversations</title></circle>`;
    });
  const labels = model.tree
    .filter((top) => top.x !== null && top.y !== null)
    .map((top) => `<text x="${sx(top.x as number).toFixed(1)}" y="${sy(top.y as number).toFixed(1)}" text-anchor="middle">${esc(shorten(top.name, 34))}</text>`);
  const legend = model.tree.map((top) => `<span><span class="swatch" style="background:${colours.get(top.id)}"></span>${esc(shorten(top.name, 40))}</span>`);
  return `<section><h2>Map</h2><p class="muted">Shown finest-level clusters placed by UMAP of the conversation embeddings, each pulled toward its cluster's and topic's mean so every topic keeps one region (position = mean of its conversations); area ∝ conversations, colour = top-level topic. Hover a circle for its name.</p>
<svg class="map" viewBox="0 0 ${width} ${height}" role="img" aria-label="Map of clusters">${circles.join('')}<g class="maplabels">${labels.join('')}</g></svg>
<div class="legend">${legend.join('')}</div></section>`;
}

function renderPrivacy(model: ReportModel): string {
  const p = model.privacy;
  const rows = p.levels.map((l) => `<tr><td>${l.level}</td><td>${fmt(l.clusters)}</td><td>${fmt(l.hiddenClusters)}</td><td>${fmt(l.hiddenConversations)}</td><td>${pct(l.hiddenConversations / Math.max(1, l.conversations), 1)}</td></tr>`);
  const users = p.userIdsPresent
    ? `${fmt(p.conversationsWithUserId)} of ${fmt(p.conversations)} clustered conversations carry a user id; those without count as one user each.`
    : 'The data has no user ids: each conversation counted as its own user.';
  return `<section><h2>Privacy</h2><p>A cluster is shown only if it has at least <b>${p.minUsers}</b> distinct users and <b>${p.minConversations}</b> conversations, and its parent is shown. ${esc(labelRule(model))} Breakdown categories below the user threshold are merged into "other". ${esc(users)}</p>
<table><thead><tr><th>level</th><th>clusters</th><th>hidden</th><th>conversations hidden</th><th>share hidden</th></tr></thead><tbody>${rows.join('')}</tbody></table>
<p class="muted">Level 0 is the finest. Hidden conversations are counted in their parent's "other" line.</p></section>`;
}

/** How the shown names were kept from identifying anyone, in the run's mode. */
export function labelRule(model: ReportModel): string {
  if (model.mode.name === 'llm') {
    return 'Names and descriptions were written by the model from privacy-instructed request summaries (scrubbed of contact details), and each one shown passed the privacy auditor.';
  }
  return `Keyword labels use only words used by at least ${model.privacy.minUsers} distinct users.`;
}

function renderCorpus(model: ReportModel): string {
  const c = model.corpus;
  const model_ = c.modelFacets.map((f) => miniBars(`${f.name} (model)${f.mean === null ? '' : `, mean ${f.mean.toFixed(2)}`}`, f.counts, PALETTE[2])).join('');
  return `<section><h2>Corpus</h2><div class="breakdowns">${miniBars('Language', c.languages, PALETTE[0])}${miniBars('Turns per conversation', c.turns, PALETTE[0])}${model_}</div>${
    c.modelFacets.length ? '<p class="muted">Facets marked (model) were written by the language model for every clustered conversation; values given by fewer users than the threshold are merged into "other".</p>' : ''
  }</section>`;
}

function renderStages(model: ReportModel): string {
  if (model.stages.length === 0) return '';
  const rows = model.stages.map((s) => `<tr><td>${esc(s.stage)}</td><td>${esc(s.status)}</td><td>${esc(s.startedAt ?? '')}</td><td>${esc(s.finishedAt ?? '')}</td></tr>`);
  return `<section><h2>Pipeline</h2><table><thead><tr><th>stage</th><th>status</th><th>started</th><th>finished</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function countNodes(nodes: ReportCluster[]): number {
  return nodes.reduce((sum, node) => sum + 1 + countNodes(node.children), 0);
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

export function pct(share: number, digits = 1): string {
  return `${(Math.max(0, Math.min(1, share)) * 100).toFixed(digits)}%`;
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

const CSS = `
:root{--fg:#1f2328;--muted:#667085;--line:#e4e7ec;--bg:#f7f8fa;--card:#fff}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}h1{font-size:26px;margin:0 0 4px}h2{font-size:18px;margin:0 0 8px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:16px 0}
.muted{color:var(--muted)}code{font-size:12px;background:#eef0f3;padding:1px 5px;border-radius:4px}
.mode{border-left:4px solid #f28e2b}.mode ul{margin:4px 0 0;padding-left:20px}.mode p{margin:4px 0}
.cards{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;background:none;border:none;padding:0}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}.card .value{font-size:18px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.card .label{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.warn{background:#fff7e6;border:1px solid #f5d08a;border-radius:8px;padding:8px 12px}
.controls{display:flex;gap:8px;margin:8px 0 12px}.controls input{flex:1;padding:6px 10px;border:1px solid var(--line);border-radius:6px;font:inherit}
.controls button{padding:6px 12px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer;font:inherit}
details{border-top:1px solid var(--line)}details details{margin-left:22px}
summary{display:grid;grid-template-columns:14px minmax(200px,1fr) 160px 70px 60px 100px;align-items:center;gap:10px;padding:7px 4px;cursor:pointer;list-style:none}
summary::-webkit-details-marker{display:none}summary:hover{background:#f2f4f7}
summary .name::before{content:"▸ ";color:var(--muted)}details[open]>summary .name::before{content:"▾ "}
.name{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.bar{height:8px;background:#eef0f3;border-radius:4px;overflow:hidden}.bar span{display:block;height:100%;opacity:.8}
.num{text-align:right;font-variant-numeric:tabular-nums}.share{font-size:12px}
.body{padding:2px 4px 10px 28px}.desc{margin:4px 0;color:#344054}
.chip{display:inline-block;background:#eef2f8;border:1px solid #dbe3ef;border-radius:12px;padding:1px 9px;margin:2px 4px 2px 0;font-size:12px}
.breakdowns{display:flex;gap:28px;flex-wrap:wrap;margin:8px 0}.mini{min-width:230px}.mtitle{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em;margin-bottom:2px}
.mrow{display:grid;grid-template-columns:56px 130px 40px;gap:6px;align-items:center;font-size:12px}.mbar{height:7px;background:#eef0f3;border-radius:4px;overflow:hidden}.mbar span{display:block;height:100%}.mnum{text-align:right;color:var(--muted)}
.facts{font-size:12px;color:#344054}.facts b{font-size:14px}
.other{margin:4px 0 4px 22px;padding:6px 10px;border-left:3px dashed #c0c6d0;color:var(--muted);font-style:italic}
.map{width:100%;height:auto;background:#fbfcfd;border:1px solid var(--line);border-radius:8px}.maplabels text{font-size:13px;font-weight:600;fill:#1f2328;paint-order:stroke;stroke:#fff;stroke-width:4px}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;margin-top:8px;font-size:12px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:5px 10px;border-bottom:1px solid var(--line)}th{font-size:12px;color:var(--muted);text-transform:uppercase}
footer{margin-top:12px;font-size:12px}.hidden{display:none}
@media (max-width:800px){.cards{grid-template-columns:repeat(2,1fr)}summary{grid-template-columns:14px 1fr 70px 60px}.bar,.share.muted{display:none}}
`;

const SCRIPT = `
document.querySelectorAll('[data-toggle]').forEach(function(b){b.addEventListener('click',function(){var open=b.dataset.toggle==='open';document.querySelectorAll('.tree details').forEach(function(d){d.open=open;});});});
document.getElementById('filter').addEventListener('input',function(e){var q=e.target.value.trim().toLowerCase();
document.querySelectorAll('.tree details').forEach(function(d){var hit=!q||d.dataset.search.indexOf(q)>=0||d.querySelector('details[data-search*="'+CSS.escape(q)+'"]');d.classList.toggle('hidden',!hit);if(q&&hit)d.open=true;});});
`;

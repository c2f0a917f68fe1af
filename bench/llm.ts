// LLM client throughput against the local fake provider: 300 ms latency, a 600 requests/min server limit,
// the client configured at the same 600 rpm. Target: >= 90% of the limit with no 429s.
// Then the facet stage's tokens per conversation in each calling mode on oasst1-en (input as the server
// counts it, about 4 characters a token; output from the scripted answers, next to the estimate a real
// model's answers are budgeted at), priced at list prices next to the paper's USD 48.81 per 100k.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { allModelFacets } from '../src/facets/facet-config.ts';
import { estimateWorkspaceFacetTokens, extractModelFacets, type FacetCallMode } from '../src/facets/model.ts';
import { ingestFiles } from '../src/ingest/index.ts';
import { createLlmClient } from '../src/llm/client.ts';
import { LIST_PRICES, resolveLlmConfig } from '../src/llm/config.ts';
import { openWorkspace } from '../src/store/workspace.ts';
import { respond } from '../test/llm/responder.ts';
import { startFakeLlmServer } from '../test/llm/server.ts';

const OASST = join(import.meta.dirname, '..', '..', 'shared', 'data', 'oasst1-en', 'conversations.jsonl');
const PAPER_USD_PER_100K = 48.81;

const LATENCY_MS = 300;
const LIMIT_RPM = 600;
const DURATION_S = Number(process.env.CLIO_BENCH_LLM_SECONDS ?? 40);

export async function run(): Promise<void> {
  const answer = JSON.stringify({ task: 'summarising a document', concern: 1 });
  const server = await startFakeLlmServer({ respond: () => answer, latencyMs: LATENCY_MS, rpmLimit: LIMIT_RPM });
  const config = resolveLlmConfig({ flags: { provider: 'anthropic', baseUrl: server.url, rpm: LIMIT_RPM, concurrency: 32 }, env: {} })!;
  const client = createLlmClient(config);
  const schema = z.object({ task: z.string(), concern: z.number() });
  const calls = Math.round((DURATION_S * LIMIT_RPM) / 60);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: calls }, async (_, i) => {
      await client.generate({ stage: 'facets', prompt: `conversation ${i}: ${'lorem ipsum '.repeat(40)}`, schema });
    }),
  );
  const requests = server.requests.filter((r) => r.path === '/v1/messages');
  const times = requests.map((r) => r.time).sort((a, b) => a - b);
  // Rate over the span between the first and last request arrival (the last request's latency excluded).
  const achievedRpm = ((times.length - 1) / (times[times.length - 1] - times[0])) * 60_000;
  const rejected = requests.filter((r) => r.status === 429).length;
  await server.close();

  const callLatencies = await measureLatencies();
  console.log(`calls ${calls} in ${((times[times.length - 1] - times[0]) / 1000).toFixed(1)} s (server: ${LATENCY_MS} ms latency, limit ${LIMIT_RPM} rpm; client: ${LIMIT_RPM} rpm, concurrency 32)`);
  console.log(`achieved ${achievedRpm.toFixed(0)} requests/min = ${((achievedRpm / LIMIT_RPM) * 100).toFixed(1)}% of the limit; 429s: ${rejected}`);
  console.log(`call latency, limiter not binding (SDK + SSE + server): p50 ${callLatencies.p50.toFixed(0)} ms, p95 ${callLatencies.p95.toFixed(0)} ms`);
  await facetTokens();
}

async function facetTokens(): Promise<void> {
  if (!existsSync(OASST)) {
    console.log('facet tokens: skipped (../shared/data/oasst1-en is absent)');
    return;
  }
  const dir = join(import.meta.dirname, 'out', 'llm-facets');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ws = await openWorkspace({ dir });
  const server = await startFakeLlmServer({ respond });
  try {
    await ingestFiles(ws, [OASST], {});
    const facets = allModelFacets();
    const estimate = await estimateWorkspaceFacetTokens(ws, { facets });
    const config = resolveLlmConfig({ flags: { provider: 'anthropic', baseUrl: server.url, concurrency: 32 }, env: {} })!;
    const models = [config.stages.facets.model, 'claude-3-haiku'];
    console.log(`\nfacet stage on oasst1-en (${estimate.conversations} conversations), per conversation:`);
    console.log(`${'mode'.padEnd(10)} ${'calls'.padStart(6)} ${'input tok'.padStart(10)} ${'output tok'.padStart(11)} ${'(est. out)'.padStart(11)}  ${models.map((m) => `USD/100k ${m}`.padStart(26)).join(' ')}`);
    for (const mode of ['combined', 'per-facet'] as FacetCallMode[]) {
      const client = createLlmClient(config);
      await extractModelFacets(ws, client, { facets, mode, runKey: `bench-${mode}`, concurrency: 32 });
      const usage = client.usage().facets;
      await client.close();
      const n = estimate.conversations;
      const expected = mode === 'combined' ? estimate.perConversation.combined : estimate.perConversation.perFacet;
      const input = usage.inputTokens / n;
      const output = usage.outputTokens / n;
      // Priced with the estimated output (a real model's answers), since the script's answers are shorter.
      const cost = (model: string) => ((input * LIST_PRICES[model].inputPerMTok + expected.outputTokens * LIST_PRICES[model].outputPerMTok) / 1e6) * 100_000;
      console.log(
        `${mode.padEnd(10)} ${(usage.calls / n).toFixed(2).padStart(6)} ${input.toFixed(0).padStart(10)} ${output.toFixed(0).padStart(11)} ${expected.outputTokens.toFixed(0).padStart(11)}  ${models.map((m) => `$${cost(m).toFixed(2)}`.padStart(26)).join(' ')}`,
      );
    }
    console.log(`the paper: $${PAPER_USD_PER_100K} per 100k conversations for its whole pipeline; --batch halves the facet stage's price`);
  } finally {
    await server.close();
    ws.close();
  }
}

/** Per-call latency where the limiter does not bind (one call every 250 ms): SDK + SSE + server latency. */
async function measureLatencies(): Promise<{ p50: number; p95: number }> {
  const server = await startFakeLlmServer({ respond: () => '{"ok": true}', latencyMs: LATENCY_MS });
  const client = createLlmClient(resolveLlmConfig({ flags: { provider: 'anthropic', baseUrl: server.url, rpm: LIMIT_RPM }, env: {} })!);
  const durations: number[] = [];
  for (let i = 0; i < 40; i++) {
    const start = performance.now();
    await client.generate({ stage: 'facets', prompt: `latency ${i}`, schema: z.object({ ok: z.boolean() }) });
    durations.push(performance.now() - start);
  }
  await server.close();
  durations.sort((a, b) => a - b);
  return { p50: durations[Math.floor(durations.length * 0.5)], p95: durations[Math.floor(durations.length * 0.95)] };
}

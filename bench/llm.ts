// LLM client throughput against the local fake provider: 300 ms latency, a 600 requests/min server limit,
// the client configured at the same 600 rpm. Target: >= 90% of the limit with no 429s.
import { z } from 'zod';
import { createLlmClient } from '../src/llm/client.ts';
import { resolveLlmConfig } from '../src/llm/config.ts';
import { startFakeLlmServer } from '../test/llm/server.ts';

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

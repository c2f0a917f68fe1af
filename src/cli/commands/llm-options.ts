// The LLM-mode options of `clio analyze` (and `clio eval synthetic`): which provider and models, limits,
// the facet and naming settings, and `--dry-run`'s estimate of calls, tokens and cost per stage.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { positiveInt, positiveNumber } from '../parsers.ts';
import { chooseK } from '../../cluster/kmeans.ts';
import { loadFacetConfig, allModelFacets, type FacetConfig } from '../../facets/facet-config.ts';
import { estimateWorkspaceFacetTokens, type FacetCallMode } from '../../facets/model.ts';
import { estimateHierarchyCalls } from '../../hierarchy/llm.ts';
import { levelSizes } from '../../hierarchy/schedule.ts';
import { createLlmClient } from '../../llm/client.ts';
import { CONFIG_FILE_NAME, describeLlmConfig, resolveLlmConfig, type LlmConfig } from '../../llm/config.ts';
import type { LlmStage } from '../../llm/types.ts';
import { DEFAULT_CLUSTER_FACET, type LlmAnalysis } from '../../pipeline/llm-mode.ts';
import { DEFAULT_AUDIT_THRESHOLD } from '../../privacy/auditor.ts';
import type { Workspace } from '../../store/workspace.ts';

export interface LlmCliFlags {
  provider?: string;
  baseUrl?: string;
  model?: string;
  facetModel?: string;
  namingModel?: string;
  config?: string;
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  batch?: boolean;
  facetMode?: FacetCallMode;
  clusterFacet?: string;
  auditThreshold?: number;
  namingInside?: number;
  namingOutside?: number;
  dryRun?: boolean;
  k?: number;
  levels?: number;
  top?: number;
}

const score = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new InvalidArgumentError(`expected 1 to 5, got "${value}"`);
  return n;
};

export function addLlmOptions(command: Command): Command {
  return command
    .option('--provider <name>', 'LLM mode: anthropic, or openai for any OpenAI-compatible server (vLLM, Ollama, LM Studio, OpenRouter); without it: keyword mode')
    .option('--base-url <url>', 'provider endpoint, e.g. http://localhost:11434/v1 for Ollama (env CLIO_BASE_URL)')
    .option('--model <name>', 'one model for every LLM stage (env CLIO_MODEL)')
    .option('--facet-model <name>', 'model for facet extraction and the screener (a cheap one)')
    .option('--naming-model <name>', 'model for cluster names, the hierarchy and the privacy auditor (a stronger one)')
    .option('--config <file>', `config file with "llm", "facets" and "screener" sections (default: <workspace>/${CONFIG_FILE_NAME} when present)`)
    .option('--concurrency <n>', 'LLM calls in flight at once (default 8)', positiveInt)
    .option('--rpm <n>', 'client-side limit of LLM requests per minute', positiveNumber)
    .option('--tpm <n>', 'client-side limit of input tokens per minute', positiveNumber)
    .option('--batch', 'facet stage through the provider batch API (half price; finishes within hours; resumes after a restart)')
    .option('--cluster-facet <name>', 'the text facet clusters are built on and named by: request, task, or one of your text facets', DEFAULT_CLUSTER_FACET)
    .addOption(new Option('--facet-mode <mode>', 'all facets in one call, or one call per facet').choices(['combined', 'per-facet']).default('combined'))
    .option('--audit-threshold <n>', 'privacy auditor: names rated below this (1-5) are removed', score, DEFAULT_AUDIT_THRESHOLD)
    .option('--naming-inside <n>', 'summaries from inside a cluster shown to the namer', positiveInt, 50)
    .option('--naming-outside <n>', 'summaries from the nearest other clusters shown to the namer', positiveInt, 50);
}

/** The LLM mode the flags, environment and config file ask for, or undefined for keyword mode. */
export function openLlmMode(ws: Workspace, flags: LlmCliFlags, log: (line: string) => void): LlmAnalysis | undefined {
  const configPath = flags.config ? resolve(flags.config) : undefined;
  const config = resolveLlmConfig({
    flags: {
      provider: flags.provider,
      baseUrl: flags.baseUrl,
      model: flags.model,
      facetModel: flags.facetModel,
      namingModel: flags.namingModel,
      concurrency: flags.concurrency,
      rpm: flags.rpm,
      tpm: flags.tpm,
      batch: flags.batch,
    },
    env: process.env,
    configPath,
    workspaceDir: ws.dir,
  });
  if (!config) return undefined;
  const facetFile = configPath ?? (existsSync(join(ws.dir, CONFIG_FILE_NAME)) ? join(ws.dir, CONFIG_FILE_NAME) : undefined);
  const facetConfig: FacetConfig = facetFile ? loadFacetConfig(facetFile) : { facets: [] };
  log(`LLM mode: ${describeLlmConfig(config)}`);
  return {
    client: createLlmClient(config, { ws, log }),
    config,
    facetConfig,
    facetMode: flags.facetMode ?? 'combined',
    clusterFacet: flags.clusterFacet ?? DEFAULT_CLUSTER_FACET,
    auditThreshold: flags.auditThreshold ?? DEFAULT_AUDIT_THRESHOLD,
    namingInside: flags.namingInside ?? 50,
    namingOutside: flags.namingOutside ?? 50,
  };
}

interface StageEstimate {
  stage: LlmStage;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  batch?: boolean;
}

// Sizes behind the naming, hierarchy and audit estimates (facets are estimated from the real prompts).
/** A request summary: about two short sentences. */
const SUMMARY_TOKENS = 40;
/** Instructions and formatting around each naming, hierarchy or audit prompt. */
const PROMPT_OVERHEAD_TOKENS = 450;
const NAME_OUTPUT_TOKENS = 90;
/** One cluster's name and description in a hierarchy prompt, and the answer per proposed or assigned item. */
const LABEL_TOKENS = 45;
const AUDIT_OUTPUT_TOKENS = 12;

export async function estimateLlmRun(ws: Workspace, llm: LlmAnalysis, sizes: { k?: number; levels?: number; top?: number }): Promise<{ conversations: number; stages: StageEstimate[] }> {
  const facets = allModelFacets(llm.facetConfig);
  const facetEstimate = await estimateWorkspaceFacetTokens(ws, { facets, screener: llm.facetConfig.screener });
  const n = facetEstimate.conversations;
  const k = sizes.k ?? chooseK(Math.max(1, n));
  const schedule = levelSizes(k, { levels: sizes.levels, top: sizes.top });
  const mode = llm.facetMode === 'combined' ? facetEstimate.total.combined : facetEstimate.total.perFacet;
  const stages: StageEstimate[] = [];
  if (facetEstimate.total.screener) stages.push({ stage: 'screen', ...facetEstimate.total.screener, batch: llm.config.batch });
  stages.push({ stage: 'facets', ...mode, batch: llm.config.batch });
  const namingInput = PROMPT_OVERHEAD_TOKENS + (llm.namingInside + llm.namingOutside) * SUMMARY_TOKENS;
  stages.push({ stage: 'name', calls: k, inputTokens: k * namingInput, outputTokens: k * NAME_OUTPUT_TOKENS });
  const hierarchyCalls = estimateHierarchyCalls(k, schedule);
  stages.push({
    stage: 'hierarchy',
    calls: hierarchyCalls,
    inputTokens: hierarchyCalls * (PROMPT_OVERHEAD_TOKENS + 50 * LABEL_TOKENS),
    outputTokens: hierarchyCalls * 8 * LABEL_TOKENS,
  });
  const shown = schedule.reduce((sum, size) => sum + size, 0);
  stages.push({ stage: 'audit', calls: shown, inputTokens: shown * (PROMPT_OVERHEAD_TOKENS + LABEL_TOKENS), outputTokens: shown * AUDIT_OUTPUT_TOKENS });
  return { conversations: n, stages };
}

export function estimateCost(config: LlmConfig, estimate: StageEstimate): number | null {
  const price = config.prices[config.stages[estimate.stage].model];
  if (!price) return null;
  const factor = estimate.batch ? price.batchDiscount : 1;
  return ((estimate.inputTokens * price.inputPerMTok + estimate.outputTokens * price.outputPerMTok) / 1e6) * factor;
}

export async function printDryRun(ws: Workspace, flags: LlmCliFlags, llm: LlmAnalysis | undefined): Promise<void> {
  if (!llm) {
    console.log('dry run: keyword mode (no LLM provider configured) makes no LLM calls and costs nothing.');
    return;
  }
  const { conversations, stages } = await estimateLlmRun(ws, llm, flags);
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const usd = (n: number | null) => (n === null ? 'no price' : `$${n.toFixed(2)}`);
  console.log(`dry run: ${fmt(conversations)} conversations, nothing was sent. Estimates (about 4 characters a token; cached calls cost nothing):`);
  console.log(`${'stage'.padEnd(10)} ${'model'.padEnd(28)} ${'calls'.padStart(10)} ${'input tok'.padStart(13)} ${'output tok'.padStart(12)} ${'cost'.padStart(10)}`);
  let total = 0;
  let unknown = false;
  for (const stage of stages) {
    const cost = estimateCost(llm.config, stage);
    if (cost === null) unknown = true;
    else total += cost;
    const model = llm.config.stages[stage.stage].model + (stage.batch ? ' (batch)' : '');
    console.log(`${stage.stage.padEnd(10)} ${model.padEnd(28)} ${fmt(stage.calls).padStart(10)} ${fmt(stage.inputTokens).padStart(13)} ${fmt(stage.outputTokens).padStart(12)} ${usd(cost).padStart(10)}`);
  }
  const per100k = conversations > 0 ? (total / conversations) * 100_000 : 0;
  console.log(`total: ${usd(total)}${unknown ? ' plus stages without a known price' : ''}; ${usd(per100k)} per 100,000 conversations (the paper: $48.81).`);
}

// Which provider and models LLM mode uses. Precedence: defaults < config file < environment < flags.
// No provider anywhere means keyword mode (resolveLlmConfig returns null).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { LLM_STAGES, type LlmStage, type ProviderKind } from './types.ts';

export const CONFIG_FILE_NAME = 'clio.config.json';

export interface StageModelConfig {
  model: string;
  temperature: number;
  maxOutputTokens: number;
}

export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Multiplier on the list price for provider batch calls (0.5 = half price). */
  batchDiscount: number;
}

export interface LlmConfig {
  provider: ProviderKind;
  /** Unset: the provider's official endpoint. */
  baseUrl?: string;
  /** Never printed or logged. */
  apiKey?: string;
  stages: Record<LlmStage, StageModelConfig>;
  concurrency: number;
  requestsPerMinute?: number;
  inputTokensPerMinute?: number;
  outputTokensPerMinute?: number;
  timeoutMs: number;
  maxRetries: number;
  repairAttempts: number;
  /** Facet stage through the provider batch API. */
  batch: boolean;
  prices: Record<string, ModelPrice>;
}

// List prices in USD per million tokens, as of 2025-10 (anthropic.com/pricing, openai.com/api/pricing).
// claude-3-haiku and claude-3-5-sonnet are the models the Clio paper used.
export const LIST_PRICES: Record<string, ModelPrice> = {
  'claude-haiku-4-5': { inputPerMTok: 1, outputPerMTok: 5, batchDiscount: 0.5 },
  'claude-sonnet-4-5': { inputPerMTok: 3, outputPerMTok: 15, batchDiscount: 0.5 },
  'claude-sonnet-4-6': { inputPerMTok: 3, outputPerMTok: 15, batchDiscount: 0.5 },
  'claude-3-haiku-20240307': { inputPerMTok: 0.25, outputPerMTok: 1.25, batchDiscount: 0.5 },
  'claude-3-haiku': { inputPerMTok: 0.25, outputPerMTok: 1.25, batchDiscount: 0.5 },
  'claude-3-5-sonnet-20241022': { inputPerMTok: 3, outputPerMTok: 15, batchDiscount: 0.5 },
  'claude-3-5-sonnet': { inputPerMTok: 3, outputPerMTok: 15, batchDiscount: 0.5 },
  'gpt-4o-mini': { inputPerMTok: 0.15, outputPerMTok: 0.6, batchDiscount: 0.5 },
  'gpt-4.1': { inputPerMTok: 2, outputPerMTok: 8, batchDiscount: 0.5 },
};

const DEFAULT_MODELS: Record<ProviderKind, { cheap: string; strong: string }> = {
  // claude-sonnet-4-5 reaches end of life on 2026-11-30 (the SDK warns on every call), hence 4-6.
  anthropic: { cheap: 'claude-haiku-4-5', strong: 'claude-sonnet-4-6' },
  openai: { cheap: 'gpt-4o-mini', strong: 'gpt-4.1' },
};

const STAGE_DEFAULTS: Record<LlmStage, { tier: 'cheap' | 'strong'; temperature: number; maxOutputTokens: number }> = {
  screen: { tier: 'cheap', temperature: 0.2, maxOutputTokens: 256 },
  facets: { tier: 'cheap', temperature: 0.2, maxOutputTokens: 1024 },
  name: { tier: 'strong', temperature: 1.0, maxOutputTokens: 512 },
  hierarchy: { tier: 'strong', temperature: 1.0, maxOutputTokens: 4096 },
  audit: { tier: 'cheap', temperature: 0.0, maxOutputTokens: 256 },
  synthetic: { tier: 'strong', temperature: 1.0, maxOutputTokens: 2048 },
};

/** The stages `namingModel` sets: everything that writes or checks cluster names. */
const NAMING_STAGES: LlmStage[] = ['name', 'hierarchy', 'audit'];

const providerSchema = z.enum(['anthropic', 'openai']);
const stageOverrideSchema = z.strictObject({
  model: z.string().min(1).optional(),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.number().int().positive().optional(),
});
const priceSchema = z.strictObject({
  inputPerMTok: z.number().nonnegative(),
  outputPerMTok: z.number().nonnegative(),
  batchDiscount: z.number().min(0).max(1).default(0.5),
});

/** The `llm` section of clio.config.json (a file without one leaves LLM mode to flags and environment). */
export const llmConfigFileSchema = z.strictObject({
  provider: providerSchema.optional(),
  baseUrl: z.url().optional(),
  apiKey: z.string().min(1).optional(),
  stages: z.partialRecord(z.enum(LLM_STAGES), stageOverrideSchema).optional(),
  concurrency: z.number().int().positive().optional(),
  requestsPerMinute: z.number().positive().optional(),
  inputTokensPerMinute: z.number().positive().optional(),
  outputTokensPerMinute: z.number().positive().optional(),
  timeoutMs: z.number().int().positive().optional(),
  maxRetries: z.number().int().nonnegative().optional(),
  repairAttempts: z.number().int().nonnegative().optional(),
  batch: z.boolean().optional(),
  prices: z.record(z.string(), priceSchema).optional(),
});
export type LlmConfigFile = z.infer<typeof llmConfigFileSchema>;

export interface LlmFlags {
  provider?: string;
  baseUrl?: string;
  model?: string;
  facetModel?: string;
  /** Model for name, hierarchy and audit. */
  namingModel?: string;
  concurrency?: number;
  rpm?: number;
  tpm?: number;
  batch?: boolean;
}

export interface ResolveLlmConfigOptions {
  flags?: LlmFlags;
  env?: Record<string, string | undefined>;
  /** `--config PATH`; else clio.config.json in workspaceDir when present. */
  configPath?: string;
  workspaceDir?: string;
}

export function resolveLlmConfig(options: ResolveLlmConfigOptions): LlmConfig | null {
  const flags = options.flags ?? {};
  const env = options.env ?? {};
  const file = readConfigFile(options);
  const providerName = flags.provider ?? env.CLIO_PROVIDER ?? file.provider;
  if (providerName === undefined) return null;
  const parsedProvider = providerSchema.safeParse(providerName);
  if (!parsedProvider.success) throw new Error(`unknown LLM provider "${providerName}": choose anthropic or openai`);
  const provider = parsedProvider.data;

  const baseUrl = flags.baseUrl ?? env.CLIO_BASE_URL ?? file.baseUrl;
  const providerKey = provider === 'anthropic' ? env.ANTHROPIC_API_KEY : env.OPENAI_API_KEY;
  const apiKey = env.CLIO_API_KEY ?? providerKey ?? file.apiKey;
  if (!apiKey && !baseUrl) {
    const variable = provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
    throw new Error(`provider ${provider} needs an API key: set ${variable} (or CLIO_API_KEY), or give --base-url for a local server that needs none`);
  }

  const models = DEFAULT_MODELS[provider];
  const allModel = flags.model ?? env.CLIO_MODEL;
  const stages = Object.fromEntries(
    LLM_STAGES.map((stage) => {
      const defaults = STAGE_DEFAULTS[stage];
      const fromFile = file.stages?.[stage] ?? {};
      let model = fromFile.model ?? models[defaults.tier];
      if (allModel) model = allModel;
      if (flags.facetModel && (stage === 'facets' || stage === 'screen')) model = flags.facetModel;
      if (flags.namingModel && NAMING_STAGES.includes(stage)) model = flags.namingModel;
      return [stage, { model, temperature: fromFile.temperature ?? defaults.temperature, maxOutputTokens: fromFile.maxOutputTokens ?? defaults.maxOutputTokens }];
    }),
  ) as Record<LlmStage, StageModelConfig>;

  const config: LlmConfig = {
    provider,
    ...(baseUrl ? { baseUrl } : {}),
    ...(apiKey ? { apiKey } : {}),
    stages,
    concurrency: Math.floor(positiveInt('concurrency', flags.concurrency) ?? file.concurrency ?? 8),
    requestsPerMinute: positiveInt('rpm', flags.rpm) ?? file.requestsPerMinute,
    inputTokensPerMinute: positiveInt('tpm', flags.tpm) ?? file.inputTokensPerMinute,
    outputTokensPerMinute: file.outputTokensPerMinute,
    timeoutMs: file.timeoutMs ?? 60_000,
    maxRetries: file.maxRetries ?? 6,
    repairAttempts: file.repairAttempts ?? 2,
    batch: flags.batch ?? file.batch ?? false,
    prices: { ...LIST_PRICES, ...file.prices },
  };
  return config;
}

function positiveInt(flag: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${flag} must be a positive number`);
  return value;
}

function readConfigFile(options: ResolveLlmConfigOptions): LlmConfigFile {
  const path = options.configPath
    ? resolve(options.configPath)
    : options.workspaceDir && existsSync(join(options.workspaceDir, CONFIG_FILE_NAME))
      ? join(options.workspaceDir, CONFIG_FILE_NAME)
      : undefined;
  if (!path) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`config file ${path}: cannot read it as JSON`, { cause: error });
  }
  // The file may hold other sections (user-defined facets and so on); LLM settings live under `llm`.
  const section = raw !== null && typeof raw === 'object' && 'llm' in raw ? (raw as { llm: unknown }).llm : undefined;
  if (section === undefined) return {};
  const parsed = llmConfigFileSchema.safeParse(section);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['llm', ...issue.path.map(String)].join('.');
    throw new Error(`config file ${path}: field ${field}: ${issue.message}`);
  }
  return parsed.data;
}

/** One line for logs and reports; never includes the API key. */
export function describeLlmConfig(config: LlmConfig): string {
  const models = [...new Set(LLM_STAGES.map((stage) => config.stages[stage].model))];
  const perStage = models.length === 1 ? models[0] : LLM_STAGES.map((stage) => `${stage}=${config.stages[stage].model}`).join(' ');
  const limits = [
    `concurrency ${config.concurrency}`,
    config.requestsPerMinute ? `${config.requestsPerMinute} rpm` : '',
    config.inputTokensPerMinute ? `${config.inputTokensPerMinute} input tok/min` : '',
    config.outputTokensPerMinute ? `${config.outputTokensPerMinute} output tok/min` : '',
    config.batch ? 'facets via batch API' : '',
  ].filter(Boolean);
  return `${config.provider}${config.baseUrl ? ` at ${config.baseUrl}` : ''}: ${perStage} (${limits.join(', ')})`;
}

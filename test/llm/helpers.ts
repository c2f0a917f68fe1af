import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveLlmConfig, type LlmConfig } from '../../src/llm/config.ts';
import type { ProviderKind } from '../../src/llm/types.ts';
import { openWorkspace, type Workspace } from '../../src/store/workspace.ts';

export function testConfig(provider: ProviderKind, baseUrl: string, overrides: Partial<LlmConfig> = {}): LlmConfig {
  const config = resolveLlmConfig({ flags: { provider, baseUrl }, env: {} })!;
  return { ...config, timeoutMs: 2000, ...overrides };
}

/** Anthropic's SDK wants the root URL; OpenAI's wants the /v1 prefix. */
export function baseUrlFor(provider: ProviderKind, serverUrl: string): string {
  return provider === 'anthropic' ? serverUrl : `${serverUrl}/v1`;
}

export async function scratchWorkspace(name: string): Promise<Workspace> {
  const dir = join(import.meta.dirname, '..', '.tmp', `llm-${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return openWorkspace({ dir });
}

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeLlmConfig, resolveLlmConfig } from '../../src/llm/config.ts';

const dir = join(import.meta.dirname, '..', '.tmp', `llm-config-${process.pid}`);
mkdirSync(dir, { recursive: true });

test('no provider anywhere means keyword mode', () => {
  assert.equal(resolveLlmConfig({ env: {}, workspaceDir: dir }), null);
});

test('defaults per provider and stage; an official endpoint needs a key, a local one does not', () => {
  const anthropic = resolveLlmConfig({ env: { CLIO_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'sk-SECRET-1' } })!;
  assert.equal(anthropic.stages.facets.model, 'claude-haiku-4-5');
  assert.equal(anthropic.stages.name.model, 'claude-sonnet-4-6');
  assert.equal(anthropic.stages.name.temperature, 1);
  assert.equal(anthropic.stages.audit.temperature, 0);
  assert.equal(anthropic.concurrency, 8);
  assert.doesNotMatch(describeLlmConfig(anthropic), /SECRET/);
  assert.throws(() => resolveLlmConfig({ flags: { provider: 'openai' }, env: {} }), /OPENAI_API_KEY/);
  const local = resolveLlmConfig({ flags: { provider: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1' }, env: {} })!;
  assert.equal(local.apiKey, undefined);
  assert.equal(local.stages.hierarchy.model, 'llama3.1');
});

test('precedence: defaults < file < env < flags; file errors name the file and field', () => {
  const path = join(dir, 'clio.config.json');
  writeFileSync(path, JSON.stringify({ llm: { provider: 'openai', baseUrl: 'http://file.local/v1', concurrency: 3, requestsPerMinute: 100, stages: { facets: { model: 'file-model' } } } }));
  const fromFile = resolveLlmConfig({ env: {}, workspaceDir: dir })!;
  assert.equal(fromFile.concurrency, 3);
  assert.equal(fromFile.stages.facets.model, 'file-model');
  const overridden = resolveLlmConfig({ env: { CLIO_BASE_URL: 'http://env.local/v1' }, flags: { rpm: 50, facetModel: 'flag-model', namingModel: 'namer' }, configPath: path })!;
  assert.equal(overridden.baseUrl, 'http://env.local/v1');
  assert.equal(overridden.requestsPerMinute, 50);
  assert.equal(overridden.stages.facets.model, 'flag-model');
  assert.equal(overridden.stages.audit.model, 'namer');
  assert.equal(overridden.stages.synthetic.model, 'gpt-4.1');
  writeFileSync(path, JSON.stringify({ llm: { provider: 'openai', concurrency: 'many' } }));
  assert.throws(() => resolveLlmConfig({ env: {}, configPath: path }), (error: Error) => error.message.includes(path) && error.message.includes('llm.concurrency'));
});

// The explorer shows the computed facets and the model facets of the run it serves, never model answers
// stored under another run's settings; where a model facet shares a computed facet's name, the computed
// value is the one shown.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { applyPrivacyThresholds } from '../../src/privacy/thresholds.ts';
import { createExplorerApp } from '../../src/server/app.ts';
import type { ExplorerMeta } from '../../src/server/data.ts';
import { openWorkspace } from '../../src/store/workspace.ts';
import { createFixtureWorkspace, RUN_ID } from '../report/fixture.ts';
import { fakeWebApp } from './helpers.ts';

test('facets of another run are not served; a computed facet wins over a model facet of the same name', async () => {
  const fixture = await createFixtureWorkspace({ withUserIds: true });
  const site = fakeWebApp();
  try {
    const ws0 = fixture.ws;
    await applyPrivacyThresholds(ws0, RUN_ID, { minUsers: 10, minConversations: 20 });
    await ws0.run(`UPDATE runs SET settings = '{"llm":{"facetRunKey":"llm-00bb"}}' WHERE run_id = $1`, [RUN_ID]);
    // This run's model facets, one of them clashing with the computed 'language'; and another run's.
    await ws0.run(`INSERT INTO facets SELECT conversation_id, 'domain', 'category', 'model', 'cooking', NULL, 'llm-00bb' FROM conversations`);
    await ws0.run(`INSERT INTO facets SELECT conversation_id, 'language', 'category', 'model', 'xx', NULL, 'llm-00bb' FROM conversations`);
    await ws0.run(`INSERT INTO facets SELECT conversation_id, 'concern', 'number', 'model', NULL, 5, 'llm-00aa' FROM conversations`);
    ws0.close();
    const ws = await openWorkspace({ dir: fixture.dir, readOnly: true });
    try {
      const app = createExplorerApp({ ws, allowTraces: false, staticDir: site.staticDir });
      const meta = (await (await app.request('/api/meta')).json()) as ExplorerMeta;
      const names = meta.facets.map((f) => f.name);
      assert.ok(names.includes('domain'), "this run's model facet is served");
      assert.ok(!names.includes('concern'), "another run's model facet is not");
      const language = meta.facets.find((f) => f.name === 'language')!;
      assert.ok(!language.values!.some((v) => v.value === 'xx'), 'the computed language wins');
      assert.ok(language.values!.some((v) => v.value === 'en'));
    } finally {
      ws.close();
    }
  } finally {
    rmSync(fixture.dir, { recursive: true, force: true });
    rmSync(site.root, { recursive: true, force: true });
  }
});

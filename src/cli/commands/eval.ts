// `clio eval`: how well the pipeline recovers known labels (ACC with Hungarian matching, NMI, ARI).
import { Command, Option } from 'commander';
import { z } from 'zod';
import { DEFAULT_EMBEDDER } from '../../embed/create.ts';
import { runEval, type EvalResult, type Scores } from '../../eval/run.ts';
import { registerSyntheticEvalCommand } from './eval-synthetic.ts';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

const OptionsSchema = z.object({
  textField: z.string().optional(),
  labelField: z.string(),
  parentField: z.string().optional(),
  where: z.array(z.string()).optional(),
  excludeLabel: z.array(z.string()).optional(),
  limit: z.coerce.number().int().positive().optional(),
  k: z.coerce.number().int().min(1).optional(),
  top: z.coerce.number().int().min(1).optional(),
  levels: z.coerce.number().int().min(2).optional(),
  seed: z.coerce.number().int(),
  restarts: z.coerce.number().int().min(1).optional(),
  embedder: z.string(),
  baseline: z.boolean(),
  cacheDir: z.string().optional(),
  json: z.boolean().optional(),
});

export function registerEvalCommand(program: Command): void {
  const evalCommand = program.command('eval').description('Score the pipeline: on labelled data (default), or on a synthetic corpus an LLM writes (`clio eval synthetic`).');
  registerSyntheticEvalCommand(evalCommand);
  evalCommand
    .command('labelled', { isDefault: true })
    .description('Cluster labelled data with the pipeline and score it against the labels (ACC, NMI, ARI).')
    .argument('<data>', 'labelled JSONL (plain rows or conversations.jsonl), or a folder holding conversations.jsonl')
    .option('--text-field <path>', 'dotted path of the text (default: text, else the user turns of messages)')
    .option('--label-field <path>', 'dotted path of the fine label, e.g. labels.intent', 'label')
    .option('--parent-field <path>', 'dotted path of the coarse label, e.g. labels.domain (default: parent)')
    .option('--where <field=value>', 'keep rows where the dotted field equals value (a|b: either), e.g. labels.split=test (repeatable)', collect)
    .option('--exclude-label <label>', 'drop rows with this fine label, e.g. oos (repeatable)', collect)
    .option('--limit <n>', 'use at most n rows (after filtering), e.g. 1000')
    .option('--k <n>', 'base clusters, e.g. 150 (default: number of distinct labels)')
    .option('--top <n>', 'top-level clusters, e.g. 10 (default: number of distinct parents)')
    .option('--levels <n>', 'hierarchy levels counting the base, e.g. 3 (default: from base/top, ~10x per level)')
    .option('--seed <n>', 'random seed, e.g. 7', '1')
    .option('--restarts <n>', 'k-means restarts, e.g. 10 (default: k-means default)')
    .option('--embedder <spec>', `embedder: ${DEFAULT_EMBEDDER}, use-lite-int8 or hf:<model>, e.g. hf:Xenova/all-mpnet-base-v2`, DEFAULT_EMBEDDER)
    .option('--no-baseline', 'skip plain k-means on the embeddings (shown for comparison by default)')
    .option('--cache-dir <dir>', 'keep embeddings here between runs, e.g. .clio-eval-cache')
    .addOption(new Option('--json', 'print the result as JSON'))
    .addHelpText(
      'after',
      '\nExample:\n  clio eval ../shared/data/clinc150/conversations.jsonl --label-field labels.intent \\\n' +
        '    --parent-field labels.domain --where labels.split=test --exclude-label oos --k 150 --top 10',
    )
    .action(async (data: string, raw: Record<string, unknown>) => {
      const parsed = OptionsSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`invalid eval options: ${z.prettifyError(parsed.error)}`);
      const o = parsed.data;
      const result = await runEval({
        path: data,
        textField: o.textField,
        labelField: o.labelField,
        parentField: o.parentField,
        where: o.where,
        excludeLabels: o.excludeLabel,
        limit: o.limit,
        k: o.k,
        top: o.top,
        levels: o.levels,
        seed: o.seed,
        restarts: o.restarts,
        embedder: o.embedder,
        baseline: o.baseline,
        cacheDir: o.cacheDir,
      });
      console.log(o.json ? JSON.stringify(result, null, 2) : formatResult(result));
    });
}

const percent = (value: number): string => (value * 100).toFixed(1).padStart(5);
const line = (name: string, s: Scores | null): string =>
  s ? `${name.padEnd(26)} ${String(s.clusters).padStart(5)}  ${percent(s.acc)}  ${percent(s.nmi)}  ${percent(s.ari)}` : `${name.padEnd(26)}     -`;

export function formatResult(result: EvalResult): string {
  const lines = [
    `data: ${result.settings.data}  rows: ${result.rows}  labels: ${result.labels}  parents: ${result.parents}`,
    `settings: ${Object.entries(result.settings).filter(([key]) => key !== 'data').map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ')}`,
    `features: ${result.steps.join(' -> ')}`,
    `levels: ${result.levelSizes.join(' -> ')}`,
    '',
    `${'level'.padEnd(26)} clust    ACC    NMI    ARI`,
    line('base vs labels', result.base),
    line('top vs parents', result.top),
  ];
  if (result.baseline) {
    lines.push(line('plain k-means, base', result.baseline.base), line('plain k-means, top', result.baseline.top));
  }
  lines.push('', `times (s): ${Object.entries(result.timesMs).map(([stage, ms]) => `${stage} ${(ms / 1000).toFixed(1)}`).join(', ')}`);
  return lines.join('\n');
}

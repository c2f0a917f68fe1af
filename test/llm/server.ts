// A local stand-in for the LLM providers, speaking their real wire protocols well enough for the real
// SDKs: Anthropic Messages (JSON and SSE streaming) and Message Batches, OpenAI chat completions, files
// and Batch. Answers come from a script; faults (429 with retry-after, 500, 529, stalls, malformed JSON,
// cut streams) are drawn from a seeded generator. Every request is logged with a hash of its body.
//
// As a process: node --import tsx test/llm/server.ts --port 0 [--latency 300] [--rpm 600]
//   [--faults '{"rate429":0.3}'] [--seed 1] [--log requests.jsonl] [--responder module.ts]
// prints `listening URL` and appends one JSON line per request to --log.
import { createHash } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRandom } from '../../src/util/random.ts';

export type Protocol = 'anthropic' | 'openai';

export interface ScriptedRequest {
  protocol: Protocol;
  model: string;
  system: string;
  messages: { role: string; content: string }[];
  temperature: number | undefined;
  maxTokens: number | undefined;
}

export type Fault = 'rate429' | 'rate500' | 'rate529' | 'stall' | 'malformed' | 'cutStream' | 'rate400';

export interface FaultOptions {
  rate429?: number;
  retryAfterSeconds?: number;
  rate500?: number;
  rate529?: number;
  stallRate?: number;
  stallMs?: number;
  malformedRate?: number;
  cutStreamRate?: number;
}

export interface FakeLlmServerOptions {
  port?: number;
  /** The answer text for a request (default: a minimal value for the JSON Schema in the prompt). */
  respond?: (request: ScriptedRequest) => string;
  latencyMs?: number;
  /** Server-side limit (token bucket holding one second's worth); beyond it 429 with retry-after. */
  rpmLimit?: number;
  faults?: FaultOptions;
  /** Overrides the random faults: return a fault for the n-th model request (0-based), or null. */
  faultFor?: (index: number, request: ScriptedRequest) => Fault | null;
  seed?: number;
  /** Batches end this long after submission. */
  batchDelayMs?: number;
  /** Called with each log entry (the process mode writes them to --log). */
  onLog?: (entry: LoggedRequest) => void;
}

export interface LoggedRequest {
  /** Epoch milliseconds (fractional) when the request arrived. */
  time: number;
  method: string;
  path: string;
  /** sha256 of the request body, 16 hex characters. */
  bodyHash: string;
  fault: Fault | 'rpm-limit' | null;
  status: number;
  stream: boolean;
}

export interface FakeLlmServer {
  url: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

interface StoredBatch {
  id: string;
  protocol: Protocol;
  createdAt: number;
  lines: { customId: string; body: Record<string, unknown> }[];
  outputFileId?: string;
}

const tokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));
const now = (): number => performance.timeOrigin + performance.now();

export async function startFakeLlmServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const random = createRandom(options.seed ?? 1);
  const faults = options.faults ?? {};
  const respond = options.respond ?? answerFromPromptSchema;
  const requests: LoggedRequest[] = [];
  const batches = new Map<string, StoredBatch>();
  const files = new Map<string, string>();
  let modelRequestIndex = 0;
  let nextId = 1;
  const bucket = { tokens: options.rpmLimit ? Math.max(1, options.rpmLimit / 60) : 0, at: now() };
  const openSockets = new Set<import('node:net').Socket>();
  let url = '';

  const log = (entry: LoggedRequest): void => {
    requests.push(entry);
    options.onLog?.(entry);
  };

  const takeRpmToken = (): boolean => {
    if (!options.rpmLimit) return true;
    const capacity = Math.max(1, options.rpmLimit / 60);
    const t = now();
    bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 60_000) * options.rpmLimit);
    bucket.at = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };

  const drawFault = (request: ScriptedRequest, stream: boolean): Fault | null => {
    const index = modelRequestIndex++;
    if (options.faultFor) return options.faultFor(index, request);
    const draws: [Fault, number | undefined][] = [
      ['rate429', faults.rate429],
      ['rate500', faults.rate500],
      ['rate529', faults.rate529],
      ['stall', faults.stallRate],
      ['malformed', faults.malformedRate],
      ['cutStream', stream ? faults.cutStreamRate : undefined],
    ];
    for (const [fault, rate] of draws) if (rate && random() < rate) return fault;
    return null;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: LoggedRequest = {
        time: now(),
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0],
        bodyHash: createHash('sha256').update(body).digest('hex').slice(0, 16),
        fault: null,
        status: 200,
        stream: false,
      };
      handle(req, res, body, entry)
        .catch((error: unknown) => {
          entry.status = 500;
          if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
        })
        .finally(() => log(entry));
    });
  });
  server.on('connection', (socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer, entry: LoggedRequest): Promise<void> => {
    const path = entry.path;
    const method = req.method ?? 'GET';
    if (method === 'POST' && (path === '/v1/messages' || path === '/v1/chat/completions')) {
      const protocol: Protocol = path === '/v1/messages' ? 'anthropic' : 'openai';
      const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      const request = scriptedRequest(protocol, json);
      entry.stream = json.stream === true;
      if (!takeRpmToken()) {
        entry.fault = 'rpm-limit';
        entry.status = 429;
        return sendError(res, protocol, 429, 1);
      }
      const fault = drawFault(request, entry.stream);
      entry.fault = fault;
      if (fault === 'stall') {
        const stalled = await waitOrClose(res, faults.stallMs ?? 30_000);
        if (!stalled) return clientClosed(entry);
      } else if (options.latencyMs) {
        if (!(await waitOrClose(res, options.latencyMs))) return clientClosed(entry);
      }
      if (fault === 'rate429' || fault === 'rate500' || fault === 'rate529' || fault === 'rate400') {
        entry.status = { rate429: 429, rate500: 500, rate529: 529, rate400: 400 }[fault];
        return sendError(res, protocol, entry.status, faults.retryAfterSeconds ?? 1);
      }
      let text = respond(request);
      if (fault === 'malformed') text = `{"broken": ${text.slice(0, Math.floor(text.length / 2))}`;
      if (protocol === 'openai') return sendJson(res, 200, chatCompletion(request, text));
      if (!entry.stream) return sendJson(res, 200, anthropicMessage(request, text));
      return streamAnthropic(res, request, text, fault === 'cutStream');
    }
    if (method === 'POST' && path === '/v1/messages/batches') {
      const json = JSON.parse(body.toString('utf8')) as { requests: { custom_id: string; params: Record<string, unknown> }[] };
      const batch: StoredBatch = { id: `msgbatch_${nextId++}`, protocol: 'anthropic', createdAt: now(), lines: json.requests.map((r) => ({ customId: r.custom_id, body: r.params })) };
      batches.set(batch.id, batch);
      return sendJson(res, 200, anthropicBatch(batch));
    }
    const anthropicBatchMatch = /^\/v1\/messages\/batches\/([^/]+)(\/results)?$/.exec(path);
    if (method === 'GET' && anthropicBatchMatch) {
      const batch = batches.get(anthropicBatchMatch[1]);
      if (!batch) return sendError(res, 'anthropic', 404, 0);
      if (!anthropicBatchMatch[2]) return sendJson(res, 200, anthropicBatch(batch));
      res.writeHead(200, { 'content-type': 'application/binary' });
      for (const line of batch.lines) {
        const request = scriptedRequest('anthropic', line.body);
        res.write(JSON.stringify({ custom_id: line.customId, result: { type: 'succeeded', message: anthropicMessage(request, respond(request)) } }) + '\n');
      }
      res.end();
      return;
    }
    if (method === 'POST' && path === '/v1/files') {
      const form = await new Request('http://local/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: new Uint8Array(body) }).formData();
      const file = form.get('file') as File;
      const id = `file-${nextId++}`;
      files.set(id, await file.text());
      return sendJson(res, 200, { id, object: 'file', bytes: file.size, created_at: Math.floor(Date.now() / 1000), filename: file.name, purpose: 'batch', status: 'processed' });
    }
    if (method === 'POST' && path === '/v1/batches') {
      const json = JSON.parse(body.toString('utf8')) as { input_file_id: string };
      const input = files.get(json.input_file_id);
      if (input === undefined) return sendError(res, 'openai', 404, 0);
      const lines = input.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as { custom_id: string; body: Record<string, unknown> });
      const batch: StoredBatch = { id: `batch_${nextId++}`, protocol: 'openai', createdAt: now(), lines: lines.map((l) => ({ customId: l.custom_id, body: l.body })) };
      batches.set(batch.id, batch);
      return sendJson(res, 200, openAiBatch(batch, json.input_file_id));
    }
    const openAiBatchMatch = /^\/v1\/batches\/([^/]+)$/.exec(path);
    if (method === 'GET' && openAiBatchMatch) {
      const batch = batches.get(openAiBatchMatch[1]);
      if (!batch) return sendError(res, 'openai', 404, 0);
      if (batchEnded(batch) && !batch.outputFileId) {
        batch.outputFileId = `file-${nextId++}`;
        files.set(
          batch.outputFileId,
          batch.lines
            .map((line, i) => {
              const request = scriptedRequest('openai', line.body);
              return JSON.stringify({ id: `batch_req_${i}`, custom_id: line.customId, response: { status_code: 200, request_id: `req_${i}`, body: chatCompletion(request, respond(request)) }, error: null });
            })
            .join('\n') + '\n',
        );
      }
      return sendJson(res, 200, openAiBatch(batch, 'file-input'));
    }
    const fileContentMatch = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
    if (method === 'GET' && fileContentMatch) {
      const content = files.get(fileContentMatch[1]);
      if (content === undefined) return sendError(res, 'openai', 404, 0);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(content);
      return;
    }
    entry.status = 404;
    sendJson(res, 404, { error: { message: `no route ${method} ${path}` } });
  };

  const batchEnded = (batch: StoredBatch): boolean => now() - batch.createdAt >= (options.batchDelayMs ?? 0);
  const anthropicBatch = (batch: StoredBatch) => {
    const ended = batchEnded(batch);
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : 'in_progress',
      request_counts: { processing: ended ? 0 : batch.lines.length, succeeded: ended ? batch.lines.length : 0, errored: 0, canceled: 0, expired: 0 },
      created_at: new Date(batch.createdAt).toISOString(),
      ended_at: ended ? new Date().toISOString() : null,
      expires_at: new Date(batch.createdAt + 86_400_000).toISOString(),
      archived_at: null,
      cancel_initiated_at: null,
      results_url: ended ? `${url}/v1/messages/batches/${batch.id}/results` : null,
    };
  };
  const openAiBatch = (batch: StoredBatch, inputFileId: string) => ({
    id: batch.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    input_file_id: inputFileId,
    completion_window: '24h',
    status: batch.outputFileId ? 'completed' : 'in_progress',
    output_file_id: batch.outputFileId ?? null,
    error_file_id: null,
    created_at: Math.floor(batch.createdAt / 1000),
    request_counts: { total: batch.lines.length, completed: batch.outputFileId ? batch.lines.length : 0, failed: 0 },
  });

  await new Promise<void>((resolveListen) => server.listen(options.port ?? 0, '127.0.0.1', resolveListen));
  const address = server.address() as import('node:net').AddressInfo;
  url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    requests,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const socket of openSockets) socket.destroy();
        server.close(() => resolveClose());
      }),
  };
}

/** Resolves true after `ms`, or false as soon as the client goes away (a timed-out SDK call). */
function waitOrClose(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolveWait) => {
    const timer = setTimeout(() => resolveWait(true), ms);
    res.on('close', () => {
      clearTimeout(timer);
      resolveWait(res.writableFinished);
    });
  });
}

function scriptedRequest(protocol: Protocol, json: Record<string, unknown>): ScriptedRequest {
  const rawMessages = (json.messages ?? []) as { role: string; content: unknown }[];
  const textOf = (content: unknown): string =>
    typeof content === 'string' ? content : Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('') : '';
  let system = protocol === 'anthropic' ? textOf(json.system) : '';
  const messages = rawMessages.filter((m) => {
    if (protocol === 'openai' && m.role === 'system') {
      system = textOf(m.content);
      return false;
    }
    return true;
  }).map((m) => ({ role: m.role, content: textOf(m.content) }));
  return {
    protocol,
    model: String(json.model ?? ''),
    system,
    messages,
    temperature: typeof json.temperature === 'number' ? json.temperature : undefined,
    maxTokens: (json.max_tokens ?? json.max_completion_tokens) as number | undefined,
  };
}

const inputTokens = (request: ScriptedRequest): number => tokens(request.system + request.messages.map((m) => m.content).join(''));

function anthropicMessage(request: ScriptedRequest, text: string) {
  return {
    id: `msg_${Math.random().toString(36).slice(2)}`,
    type: 'message',
    role: 'assistant',
    model: request.model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: inputTokens(request), output_tokens: tokens(text) },
  };
}

function chatCompletion(request: ScriptedRequest, text: string) {
  const prompt = inputTokens(request);
  const completion = tokens(text);
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  };
}

function streamAnthropic(res: ServerResponse, request: ScriptedRequest, text: string, cut: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const event = (type: string, data: unknown): void => void res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  const message = anthropicMessage(request, '');
  event('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: message.usage.input_tokens, output_tokens: 1 } } });
  event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
  event('ping', { type: 'ping' });
  const pieces = text.match(/[\s\S]{1,40}/g) ?? [''];
  for (const [i, piece] of pieces.entries()) {
    if (cut && i >= pieces.length / 2) {
      res.socket?.destroy();
      return;
    }
    event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } });
  }
  if (cut) {
    res.socket?.destroy();
    return;
  }
  event('content_block_stop', { type: 'content_block_stop', index: 0 });
  event('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens(text) } });
  event('message_stop', { type: 'message_stop' });
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, protocol: Protocol, status: number, retryAfterSeconds: number): void {
  const headers: Record<string, string> = status === 429 || status === 529 ? { 'retry-after': String(retryAfterSeconds) } : {};
  const anthropicType: Record<number, string> = { 400: 'invalid_request_error', 404: 'not_found_error', 429: 'rate_limit_error', 500: 'api_error', 529: 'overloaded_error' };
  const body =
    protocol === 'anthropic'
      ? { type: 'error', error: { type: anthropicType[status] ?? 'api_error', message: `fake server: HTTP ${status}` } }
      : { error: { message: `fake server: HTTP ${status}`, type: status === 429 ? 'requests' : 'server_error', param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
  sendJson(res, status, body, headers);
}

/** The client went away before an answer was sent (nginx's 499): logged as not answered. */
function clientClosed(entry: LoggedRequest): void {
  entry.status = 499;
}

/** The default script: a minimal value that satisfies the JSON Schema the client put in the prompt. */
export function answerFromPromptSchema(request: ScriptedRequest): string {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const match = /matches this JSON Schema:\n(.*)$/s.exec(prompt);
  if (!match) return '{}';
  return JSON.stringify(valueForSchema(JSON.parse(match[1]) as JsonSchema));
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  minItems?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
}

function valueForSchema(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  const options = schema.anyOf ?? schema.oneOf;
  if (options?.length) return valueForSchema(options[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([key, value]) => [key, valueForSchema(value)]));
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => valueForSchema(schema.items ?? {}));
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return 'example';
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      latency: { type: 'string', default: '0' },
      rpm: { type: 'string' },
      faults: { type: 'string' },
      seed: { type: 'string', default: '1' },
      log: { type: 'string' },
      responder: { type: 'string' },
      'batch-delay': { type: 'string', default: '0' },
    },
  });
  const responder = values.responder ? ((await import(pathToFileURL(resolve(values.responder)).href)) as { respond: FakeLlmServerOptions['respond'] }).respond : undefined;
  const logPath = values.log;
  const server = await startFakeLlmServer({
    port: Number(values.port),
    latencyMs: Number(values.latency),
    rpmLimit: values.rpm ? Number(values.rpm) : undefined,
    faults: values.faults ? (JSON.parse(values.faults) as FaultOptions) : undefined,
    seed: Number(values.seed),
    batchDelayMs: Number(values['batch-delay']),
    respond: responder,
    onLog: logPath ? (entry) => appendFileSync(logPath, JSON.stringify(entry) + '\n') : undefined,
  });
  console.log(`listening ${server.url}`);
}

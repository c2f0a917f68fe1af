// The whole pipeline's scripted model, for `node --import tsx test/llm/server.ts --responder test/llm/responder.ts`
// and the end-to-end tests: the facet/naming/audit/synthetic script, then the hierarchy script. (It must not
// import server.ts at run time: the server's process mode imports this module from its top-level await.)
import { hierarchyResponder } from './script-hierarchy.ts';
import { pipelineResponder } from './script.ts';
import type { ScriptedRequest } from './server.ts';

export function respond(request: ScriptedRequest): string {
  return pipelineResponder(request) ?? hierarchyResponder(request) ?? '{}';
}

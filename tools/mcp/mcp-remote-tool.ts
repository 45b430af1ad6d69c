import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type {
  Action,
  ActionApi,
  ActionResultItem,
  ActionReturn,
  ApiDescription,
  LagentParameterType,
  RunActionOptions,
} from '../../core/index.ts';
import {
  ActionStatusCode,
  argumentsProblem,
  createActionReturn,
  DEFAULT_REQUEST_LIMITS,
  isPlainObject,
  JSON_PARAMETER_DESCRIPTION,
  safeParseJson,
} from '../../core/index.ts';
import type { McpToolSource } from './mcp-tool-source.ts';
import { McpCallFailure } from './mcp-tool-source.ts';

// A tool of an MCP server as an Action: its description in Lagent's format (for the plugin
// prompt), its JSON Schema as is (for OpenAI tool calling), and each call sent to the server.
// The model reads text content as text and images as data URLs; the server's `isError`
// result, a dead or hung server and bad arguments are all an errmsg, never thrown.

const ACTION_NAME_INVALID = /[^A-Za-z0-9_-]/g;

function lagentType(schema: unknown): LagentParameterType {
  const type = isPlainObject(schema) ? schema['type'] : undefined;
  if (type === 'integer') return 'NUMBER';
  if (type === 'number') return 'FLOAT';
  if (type === 'boolean') return 'BOOLEAN';
  if (type === 'array') return 'Array';
  return 'STRING';
}

function describeTool(name: string, tool: Tool): ApiDescription {
  const properties = isPlainObject(tool.inputSchema.properties) ? tool.inputSchema.properties : {};
  return {
    name,
    description: tool.description ?? tool.title ?? '',
    parameters: Object.entries(properties).map(([parameter, schema]) => ({
      name: parameter,
      type: lagentType(schema),
      description:
        isPlainObject(schema) && typeof schema['description'] === 'string'
          ? schema['description']
          : '',
    })),
    required: [...(tool.inputSchema.required ?? [])],
    parameter_description: JSON_PARAMETER_DESCRIPTION,
  };
}

function resultItems(result: CallToolResult): ActionResultItem[] {
  return result.content.map((item): ActionResultItem => {
    switch (item.type) {
      case 'text':
        return { type: 'text', content: item.text };
      case 'image':
        return { type: 'image', content: `data:${item.mimeType};base64,${item.data}` };
      case 'audio':
        return { type: 'audio', content: `data:${item.mimeType};base64,${item.data}` };
      case 'resource':
        return 'text' in item.resource
          ? { type: 'text', content: item.resource.text }
          : { type: 'file', content: item.resource.uri };
      case 'resource_link':
        return { type: 'file', content: item.uri };
      default:
        return { type: 'text', content: JSON.stringify(item) };
    }
  });
}

export class McpRemoteTool implements Action {
  readonly name: string;
  readonly isToolkit = false;
  readonly description: ApiDescription;
  readonly apis: readonly ActionApi[];
  readonly #source: McpToolSource;
  readonly #tool: Tool;

  constructor({ source, tool, prefix }: { source: McpToolSource; tool: Tool; prefix?: string }) {
    this.#source = source;
    this.#tool = tool;
    this.name = `${prefix ? `${prefix}_` : ''}${tool.name}`.replace(ACTION_NAME_INVALID, '_');
    this.description = describeTool(this.name, tool);
    const { $schema: _ignored, ...inputSchema } = tool.inputSchema as Record<string, unknown>;
    this.apis = [{ name: 'run', description: this.description.description, inputSchema }];
  }

  async run({ inputs, signal, limits }: RunActionOptions): Promise<ActionReturn> {
    const args = this.#parse(inputs, limits);
    if (typeof args === 'string') {
      return createActionReturn({
        type: this.name,
        args: isPlainObject(inputs) ? inputs : { text: String(inputs) },
        errmsg: args,
        state: ActionStatusCode.ARGS_ERROR,
      });
    }
    try {
      const result = await this.#source.callTool({ name: this.#tool.name, args, signal });
      const items = resultItems(result);
      if (result.isError) {
        return createActionReturn({
          type: this.name,
          args,
          errmsg: items.map((item) => item.content).join('\n') || 'The tool failed',
          state: ActionStatusCode.API_ERROR,
        });
      }
      return createActionReturn({ type: this.name, args, result: items });
    } catch (error) {
      if (signal?.aborted) throw error;
      return createActionReturn({
        type: this.name,
        args,
        errmsg:
          error instanceof McpCallFailure ? error.message : `The MCP call failed: ${String(error)}`,
        state: ActionStatusCode.API_ERROR,
      });
    }
  }

  /** The arguments as an object, or what is wrong with them. */
  #parse(inputs: unknown, limits: RunActionOptions['limits']): Record<string, unknown> | string {
    let value: unknown = inputs ?? {};
    const problem = argumentsProblem({ value, limits: limits ?? DEFAULT_REQUEST_LIMITS });
    if (problem) return problem.message;
    if (typeof value === 'string') {
      const parsed =
        value.trim() === '' ? { success: true as const, value: {} } : safeParseJson(value);
      if (!parsed.success) return `invalid json format: ${value}`;
      value = parsed.value;
    }
    if (!isPlainObject(value))
      return `invalid arguments: expected a JSON object, got ${typeof value}`;
    const missing = (this.#tool.inputSchema.required ?? []).filter((key) => !(key in value));
    if (missing.length > 0) return `missing required arguments: ${missing.join(', ')}`;
    return value;
  }
}

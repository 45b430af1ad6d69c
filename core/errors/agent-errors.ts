import { PlatformError } from './platform-error.ts';

/** An agent's default `forward` needs an LLM, and none was given. */
export class AgentNotConfiguredError extends PlatformError {
  constructor({ message }: { message: string }) {
    super('AGENT_NOT_CONFIGURED', { message });
  }
}

/** `loadStateDict` was given a state dict without keys this agent tree needs. */
export class StateDictMismatchError extends PlatformError {
  readonly missingKeys: readonly string[];

  constructor({ missingKeys }: { missingKeys: readonly string[] }) {
    super('STATE_DICT_MISMATCH', { message: `Missing keys: ${missingKeys.join(', ')}` });
    this.missingKeys = missingKeys;
  }
}

/** A memory lookup named a session that has no memory yet. */
export class SessionNotFoundError extends PlatformError {
  constructor({ sessionId }: { sessionId: string | number }) {
    super('SESSION_NOT_FOUND', { message: `No memory for session ${JSON.stringify(sessionId)}` });
  }
}

/** An output parser could not read the model's reply. */
export class OutputParseError extends PlatformError {
  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super('OUTPUT_PARSE_FAILED', { message, cause });
  }
}

/** A tool definition cannot be used (bad name, duplicate API, unsupported schema). */
export class ToolDefinitionError extends PlatformError {
  constructor({ message }: { message: string }) {
    super('TOOL_DEFINITION_INVALID', { message });
  }
}

import { pino } from 'pino';
import type { Logger } from 'pino';
import { contentToText } from '../aggregators/aggregator.ts';
import type { SessionId } from '../memory/memory-manager.ts';
import type { AgentMessage } from '../schema/agent-message.ts';
import type { Hook, HookTarget } from './hook.ts';

export interface MessageLoggerOptions {
  /** @default a pino logger named `name` */
  logger?: Logger;
  /** @default 'lagent' */
  name?: string;
}

/** Lagent's `MessageLogger`: logs every message that enters or leaves an agent or executor. */
export class MessageLogger implements Hook {
  readonly logger: Logger;

  constructor({ logger, name = 'lagent' }: MessageLoggerOptions = {}) {
    this.logger = logger ?? pino({ name });
  }

  beforeAgent(agent: HookTarget, messages: AgentMessage[], sessionId: SessionId): void {
    for (const message of messages) this.#log('agent-input', agent, message, sessionId);
  }

  afterAgent(agent: HookTarget, message: AgentMessage, sessionId: SessionId): void {
    this.#log('agent-output', agent, message, sessionId);
  }

  beforeAction(executor: HookTarget, message: AgentMessage, sessionId: SessionId): void {
    this.#log('action-input', executor, message, sessionId);
  }

  afterAction(executor: HookTarget, message: AgentMessage, sessionId: SessionId): void {
    this.#log('action-output', executor, message, sessionId);
  }

  #log(event: string, target: HookTarget, message: AgentMessage, sessionId: SessionId): void {
    this.logger.info(
      { event, target: target.name, sender: message.sender, sessionId },
      `${message.sender}: ${contentToText(message.content)}`,
    );
  }
}

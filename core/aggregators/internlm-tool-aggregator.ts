import { InvalidArgumentError } from '../errors/invalid-argument-error.ts';
import type { ChatMessage } from '../llms/chat-model.ts';
import { isToolFormatted } from '../parsers/tool-parser.ts';
import { ToolStatusCode } from '../schema/status-codes.ts';
import type { AggregateOptions, Aggregator } from './aggregator.ts';
import { aggregateSystemInstruction, contentToText } from './aggregator.ts';

/** A few-shot turn. Roles: system, user, assistant, the environment role, and `thought` / `language` followed by `tool`. */
export interface FewShotMessage {
  role: string;
  content: string;
  name?: string;
}

export interface InternLMToolAggregatorOptions {
  /** Role of tool results. @default 'environment' */
  environmentRole?: string;
  /** @default '' */
  environmentBegin?: string;
  /** @default '' */
  environmentEnd?: string;
  /** Senders whose messages are `user` turns. @default ['user'] */
  userNames?: readonly string[];
  /** Example dialogues placed after the instructions. */
  fewShot?: readonly (readonly FewShotMessage[])[];
}

/**
 * Lagent's `InternLMToolAggregator`, for agents whose output parser is a ToolParser: the
 * system instruction, the parser's tool instruction, few-shot dialogues, then memory with
 * tool calls re-rendered by the parser and tool results in the environment role, named
 * after the tool type that produced them.
 */
export class InternLMToolAggregator implements Aggregator {
  readonly environmentRole: string;
  readonly environmentBegin: string;
  readonly environmentEnd: string;
  readonly userNames: readonly string[];
  readonly fewShot: readonly (readonly FewShotMessage[])[];

  constructor({
    environmentRole = 'environment',
    environmentBegin = '',
    environmentEnd = '',
    userNames = ['user'],
    fewShot = [],
  }: InternLMToolAggregatorOptions = {}) {
    this.environmentRole = environmentRole;
    this.environmentBegin = environmentBegin;
    this.environmentEnd = environmentEnd;
    this.userNames = userNames;
    this.fewShot = fewShot;
  }

  aggregate({ messages, name, parser, systemInstruction }: AggregateOptions): ChatMessage[] {
    if (!parser) {
      throw new InvalidArgumentError({
        message: 'InternLMToolAggregator needs the agent to have an outputFormat',
      });
    }
    const chat: ChatMessage[] = systemInstruction
      ? aggregateSystemInstruction(systemInstruction)
      : [];
    const instruction = parser.formatInstruction();
    if (typeof instruction === 'string') {
      if (instruction) {
        chat.push({
          role: 'system',
          content: instruction,
          ...(parser.toolType ? { name: parser.toolType } : {}),
        });
      }
    } else {
      chat.push(...instruction);
    }
    for (const shot of this.fewShot)
      chat.push(...this.#renderShot(shot, parser.formatResponse.bind(parser)));

    let toolType: string | null = null;
    for (const message of messages) {
      if (message.sender === name) {
        if (isToolFormatted(message.formatted)) {
          if (message.formatted.status === ToolStatusCode.PARSING_ERROR) continue;
          // The reply text lets the parser write the model's call back as it wrote it.
          const source = typeof message.content === 'string' ? message.content : undefined;
          chat.push({
            role: 'assistant',
            content: parser.formatResponse(message.formatted, { source }),
          });
          toolType = message.formatted.toolType;
        } else {
          chat.push({ role: 'assistant', content: contentToText(message.content) });
        }
      } else if (this.userNames.includes(message.sender)) {
        chat.push({ role: 'user', content: contentToText(message.content) });
      } else {
        chat.push({
          role: this.environmentRole,
          content: this.environmentBegin + contentToText(message.content) + this.environmentEnd,
          ...(toolType ? { name: toolType } : {}),
        });
      }
    }
    return chat;
  }

  #renderShot(
    shot: readonly FewShotMessage[],
    formatResponse: (parsed: unknown) => string,
  ): ChatMessage[] {
    const chat: ChatMessage[] = [];
    for (let index = 0; index < shot.length; index += 1) {
      const message = shot[index] as FewShotMessage;
      const next = shot[index + 1];
      if (['assistant', 'user', 'system'].includes(message.role)) {
        chat.push({ ...message });
      } else if (message.role === this.environmentRole) {
        let content = message.content;
        if (!content.startsWith(this.environmentBegin)) content = this.environmentBegin + content;
        if (!content.endsWith(this.environmentEnd)) content += this.environmentEnd;
        chat.push({ ...message, content });
      } else if (message.role === 'thought' || message.role === 'language') {
        if (next?.role === 'tool') {
          const content = formatResponse({
            toolType: next.name ?? null,
            thought: message.content,
            action: next.content,
            status: null,
          });
          chat.push({ role: 'assistant', content });
          index += 1;
        } else {
          const content = formatResponse({
            toolType: null,
            thought: message.content,
            action: null,
            status: null,
          });
          chat.push({ role: 'assistant', content });
        }
      } else {
        throw new InvalidArgumentError({ message: `Unknown few-shot role: ${message.role}` });
      }
    }
    return chat;
  }
}

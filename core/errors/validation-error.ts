import { PlatformError } from './platform-error.ts';

/** Data crossing a boundary (queue, thread, HTTP, state dict) does not match its schema. */
export class ValidationError extends PlatformError {
  /** Where the data came from, e.g. 'AgentMessage' or 'state_dict["agent.memory"]'. */
  readonly subject: string;
  readonly issues: readonly string[];

  constructor({
    subject,
    issues,
    cause,
  }: {
    subject: string;
    issues: readonly string[];
    cause?: unknown;
  }) {
    super('VALIDATION_FAILED', { message: `Invalid ${subject}: ${issues.join('; ')}`, cause });
    this.subject = subject;
    this.issues = issues;
  }
}

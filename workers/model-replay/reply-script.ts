// The script a scripted model server answers from: replies in order, then a fallback.

/** Makes a reply from the request it answers. */
export type ReplyFn<Request, Reply> = (request: Request) => Reply | Promise<Reply>;

export interface ScriptOptions<Request, Reply> {
  replies?: Array<Reply | ReplyFn<Request, Reply>>;
  /** Answers once the script is empty; without it an unexpected call gets a loud 500. */
  fallback?: ReplyFn<Request, Reply>;
}

/** What a test holds of a scripted server. */
export interface ScriptedServer<Request, Reply> {
  readonly baseURL: string;
  /** Every well-formed request, in arrival order, including ones answered with an error. */
  readonly requests: Request[];
  enqueue(...replies: Array<Reply | ReplyFn<Request, Reply>>): void;
  close(): Promise<void>;
}

export class ReplyScript<Request, Reply extends object> {
  readonly requests: Request[] = [];
  readonly #steps: Array<Reply | ReplyFn<Request, Reply>>;
  readonly #fallback: ReplyFn<Request, Reply> | undefined;

  constructor(options: ScriptOptions<Request, Reply>) {
    this.#steps = [...(options.replies ?? [])];
    this.#fallback = options.fallback;
  }

  enqueue(...replies: Array<Reply | ReplyFn<Request, Reply>>): void {
    this.#steps.push(...replies);
  }

  /** Records `request` and makes its reply; undefined once the script has run out. */
  async next(request: Request): Promise<Reply | undefined> {
    this.requests.push(request);
    const step = this.#steps.shift() ?? this.#fallback;
    return typeof step === 'function' ? await step(request) : step;
  }
}

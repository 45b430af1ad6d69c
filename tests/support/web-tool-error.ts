import { WebToolError } from '../../tools/index.ts';

/** The WebToolError a promise rejects with; any other outcome fails the test. */
export async function webToolErrorOf(promise: Promise<unknown>): Promise<WebToolError> {
  const error: unknown = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!WebToolError.isInstance(error))
    throw new Error(`expected a WebToolError, got ${String(error)}`);
  return error;
}

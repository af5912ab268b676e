/** An error with a GitHub-style HTTP status and message; REST answers it as `{message, documentation_url, status}`. */
export class SimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SimError';
  }
}

export const notFound = (): SimError => new SimError(404, 'Not Found');

/** GitHub's 422 "Validation Failed" shape with an errors array. */
export function validationFailed(
  errors: Array<Record<string, unknown>>,
  message = 'Validation Failed',
): SimError {
  return new SimError(422, message, { errors });
}

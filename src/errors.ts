/** An error meant for the caller: a stable snake_case code, an HTTP status and a human message. */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string, id: string | number) =>
  new AppError(`${what}_not_found`, 404, `No ${what.replace(/_/g, ' ')} ${JSON.stringify(String(id))}`);

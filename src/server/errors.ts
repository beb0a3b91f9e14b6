/** An answer other than 200 that names what was wrong: 4xx messages reach the client verbatim. */
export class HttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
  }
}

export const badRequest = (field: string, what: string): HttpError => new HttpError(400, `${field} ${what}`);
export const notFound = (what: string): HttpError => new HttpError(404, what);

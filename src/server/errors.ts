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

/** At most `max` characters of what a client sent, for an error message: a long input is never echoed whole. */
export function excerpt(s: string, max = 40): string {
  return s.length <= max ? s : `${s.slice(0, max)}…`;
}

/**
 * The 415 for a body that is not JSON, naming the type it must be: every body this API takes is
 * a JSON object (text/plain, read by default as a string, would otherwise reach the schema and
 * answer `body must be object`).
 */
export function mediaTypeMessage(contentType: string | undefined): string {
  return contentType === undefined || contentType.trim() === ''
    ? 'a request body needs Content-Type: application/json (the body is a JSON object)'
    : `Content-Type ${excerpt(contentType.trim())} is not taken: send the body as JSON, Content-Type: application/json`;
}

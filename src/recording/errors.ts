/** A problem with the input file itself (missing, empty, unreadable): fatal for the command. */
export class InputError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** One bad line of a recording: reported with its line number; the rest of the stream goes on. */
export class RecordError extends Error {
  readonly line: number;
  readonly reason: string;

  constructor(line: number, reason: string, options?: ErrorOptions) {
    super(`line ${line}: ${reason}`, options);
    this.name = 'RecordError';
    this.line = line;
    this.reason = reason;
  }
}

import { InputError } from '../recording/errors.ts';

/**
 * A store that cannot be opened or answers with an error: one clear line for the user, like a
 * missing input file (it extends InputError so the CLI reports it without a stack trace).
 */
export class StoreError extends InputError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** A store spec of a form Glass cannot open at all (another URL scheme): the command line's fault, exit 2 like a usage error. */
export class StoreSpecError extends StoreError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreSpecError';
  }
}

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

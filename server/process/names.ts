import { AppError } from '../errors.js';

/** Names that may become argv for kind/docker: cluster names, node names, namespaces. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** Throws AppError('bad_request') naming `field` unless `value` is a safe name. */
export function assertName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !NAME_PATTERN.test(value)) {
    throw new AppError(
      'bad_request',
      `${field} must be 1-41 characters of lowercase letters, digits and '-', starting with a letter or digit (got ${JSON.stringify(String(value).slice(0, 60))})`,
      { field },
    );
  }
  return value;
}

export function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME_PATTERN.test(value);
}

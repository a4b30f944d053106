/**
 * The one error type that crosses module boundaries. `message` is fit to show a learner
 * (what went wrong and how to fix it); `cause` keeps the technical detail for the log.
 */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'gone'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'tool_missing'
  | 'docker_unavailable'
  | 'cluster_failed'
  | 'cluster_unreachable'
  | 'timeout'
  | 'invalid_scenario'
  | 'host_unsupported'
  | 'internal';

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Which input field was wrong, when one was. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, opts: { cause?: unknown; field?: string } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.field = opts.field;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** HTTP status for an error code. */
export function httpStatus(code: ErrorCode): number {
  switch (code) {
    case 'bad_request':
    case 'invalid_scenario':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'gone':
      return 410;
    case 'too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'rate_limited':
      return 429;
    case 'tool_missing':
    case 'host_unsupported':
    case 'docker_unavailable':
    case 'cluster_unreachable':
      return 503;
    case 'timeout':
      return 504;
    default:
      return 500;
  }
}

import type { NextFunction, Request, Response } from 'express';
import { AppError, httpStatus, isAppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { ErrorDto } from '../wire/types.js';

/**
 * Every error becomes `ErrorDto` with a learner-fit message; internals go to the log only.
 * Bad input caught by express, body-parser, the router or the static file server (they throw
 * http-errors with a 4xx `status`) is answered with that 4xx, never a 500.
 */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let e: AppError;
    let status: number;
    const client = isAppError(err) ? undefined : clientError(err);
    if (isAppError(err)) {
      e = err;
      status = httpStatus(e.code);
    } else if (client) {
      e = client.error;
      status = client.status;
    } else {
      logger.error('request failed', { method: req.method, path: req.path, err });
      e = new AppError('internal', 'Something went wrong on the server. Your progress is saved; try again.');
      status = 500;
    }
    const body: ErrorDto = { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } };
    res.status(status).json(body);
  };
}

/** The request's own fault: a body-parser, router or send (static files) error with a 4xx status. */
function clientError(err: unknown): { status: number; error: AppError } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, type, limit } = err as { status?: unknown; type?: unknown; limit?: unknown };
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  const body = { field: 'body' };
  switch (type) {
    case 'entity.parse.failed':
      return { status: 400, error: new AppError('bad_request', 'The request body is not valid JSON.', body) };
    case 'entity.too.large':
    case 'parameters.too.many':
      return { status: 413, error: new AppError('too_large', `The request body is too large (at most ${typeof limit === 'number' ? Math.floor(limit / 1024) : 16} KB).`, body) };
    case 'encoding.unsupported':
      return { status: 415, error: new AppError('unsupported_media_type', 'The request body uses a content-encoding the server does not accept: send it uncompressed (or gzip).', body) };
    case 'charset.unsupported':
      return { status: 415, error: new AppError('unsupported_media_type', 'The request body must be JSON in UTF-8.', body) };
    case 'request.aborted':
    case 'request.size.invalid':
      return { status: 400, error: new AppError('bad_request', 'The request body could not be read completely. Try again.', body) };
    default:
      break;
  }
  if (err instanceof URIError) return { status: 400, error: new AppError('bad_request', 'The address has a malformed %-escape. Check the link and try again.') };
  const code = CODE_BY_STATUS[status] ?? 'bad_request';
  return { status, error: new AppError(code, MESSAGE_BY_STATUS[status] ?? 'The server could not understand this request.') };
}

const CODE_BY_STATUS: Record<number, ErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 413: 'too_large', 415: 'unsupported_media_type' };

const MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'The address is not valid. Check the link and try again.',
  403: 'That file cannot be served.',
  404: 'There is no such file on this server.',
  405: 'That method is not allowed here.',
};

/** Anything no route answered: 404 with the usual JSON error. */
export function notFound(req: Request): never {
  throw new AppError('not_found', `Nothing at ${req.method} ${req.path}. Check the address, or open the start page.`);
}

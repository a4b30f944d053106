import type { NextFunction, Request, Response } from 'express';
import { AppError, httpStatus, isAppError } from '../errors.js';
import type { Logger } from '../log/index.js';
import type { ErrorDto } from '../wire/types.js';

/** Every error becomes `ErrorDto` with a learner-fit message; internals go to the log only. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let e: AppError;
    if (isAppError(err)) e = err;
    else if (isBodyParseError(err)) e = new AppError('bad_request', 'The request body is not valid JSON.', { field: 'body' });
    else {
      logger.error('request failed', { method: req.method, path: req.path, err });
      e = new AppError('internal', 'Something went wrong on the server. Your progress is saved; try again.');
    }
    const body: ErrorDto = { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } };
    res.status(httpStatus(e.code)).json(body);
  };
}

function isBodyParseError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { type?: string }).type === 'entity.parse.failed';
}

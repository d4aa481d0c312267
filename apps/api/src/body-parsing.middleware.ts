import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError, writeError } from '#errors';

export const BODY_LIMIT_BYTES = 64 * 1024;

/** Deeper JSON than any request of this API needs; deep nesting is a stack-exhaustion attack on whatever walks it later. */
export const MAX_JSON_DEPTH = 32;

class TooDeepError extends Error {
  readonly tooDeep = true;
}

const jsonParser = express.json({
  limit: BODY_LIMIT_BYTES,
  strict: true,
  type: () => true,
  verify: (_req, _res, buf) => {
    if (jsonDepthExceeds(buf, MAX_JSON_DEPTH)) throw new TooDeepError();
  },
});

/** Scans raw JSON for nesting deeper than `max`, skipping string contents. O(n), no allocation. */
export function jsonDepthExceeds(buf: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * JSON bodies only: a body with another media type is 415, malformed JSON 400 invalid_json,
 * over 64 KiB 413 — all in the one error model (the framework's parser would answer HTML).
 */
export function jsonBodyParsing() {
  return (req: Request, res: Response, next: NextFunction) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody || req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
      return writeError(res, new ApiError('unsupported_media_type', 'The request body must be application/json.'));
    }
    jsonParser(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { type?: string; status?: number; tooDeep?: boolean };
      if (e.tooDeep)
        return writeError(
          res,
          new ApiError('invalid_json', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`),
        );
      if (e.type === 'entity.too.large' || e.status === 413) {
        return writeError(
          res,
          new ApiError('payload_too_large', `The request body exceeds ${BODY_LIMIT_BYTES} bytes.`),
        );
      }
      if (e.type === 'entity.parse.failed') return writeError(res, new ApiError('invalid_json'));
      if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
        return writeError(res, new ApiError('unsupported_media_type', 'Unsupported body encoding or charset.'));
      }
      return writeError(res, new ApiError('invalid_json', 'The request body could not be read.'));
    });
  };
}

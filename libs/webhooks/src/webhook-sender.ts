import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { isForbiddenAddress } from './egress-policy.js';

export const DELIVERY_TIMEOUT_MS = 5_000;
/** Of a receiver's answer only this much is read (and kept, in part, for diagnostics). */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export type SendOutcome = { ok: true; status: number } | { ok: false; status?: number; error: string };

export interface SenderOptions {
  allowPrivateNetworks: boolean;
  timeoutMs?: number;
  /** Name resolution; the system resolver unless a test supplies one. */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

class RefusedAddress extends Error {
  readonly code = 'EWEBHOOKADDRESS';
}

const systemResolve = (hostname: string) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/**
 * One POST to a receiver. The addresses a name resolves to are checked inside the socket's own
 * lookup, and the socket's remote address is checked again once connected, so what is judged is
 * what is connected to (a DNS answer that changes between a check and the connection cannot slip
 * through). Redirects are not followed; at most 64 KiB of the response is read.
 */
export function sendWebhook(request: WebhookRequest, options: SenderOptions): Promise<SendOutcome> {
  const url = new URL(request.url);
  const allow = (address: string) => options.allowPrivateNetworks || !isForbiddenAddress(address);
  const hostLiteral = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(hostLiteral) !== 0 && !allow(hostLiteral)) return Promise.resolve({ ok: false, error: 'address_refused' });
  return post(url, request, {
    allow,
    lookup: guardedLookup(options.resolve ?? systemResolve, allow),
    timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
  });
}

/** The socket's name lookup, answering only with allowed addresses (of the family asked for). */
function guardedLookup(
  resolve: (hostname: string) => Promise<LookupAddress[]>,
  allow: (address: string) => boolean,
): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (all) => {
        const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const usable = all.filter((a) => (family === 0 || a.family === family) && allow(a.address));
        if (usable.length === 0) {
          callback(new RefusedAddress(`no allowed address for ${hostname}`), '', 4);
          return;
        }
        if (lookupOptions.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
        else callback(null, usable[0].address, usable[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

interface Guard {
  allow: (address: string) => boolean;
  lookup: LookupFunction;
  timeoutMs: number;
}

/** The request itself; it settles once: on the response, an error, or the timeout. */
function post(url: URL, request: WebhookRequest, guard: Guard): Promise<SendOutcome> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<SendOutcome>((done) => {
    let settled = false;
    const finish = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done(outcome);
    };
    const req = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) },
        lookup: guard.lookup,
        agent: false,
      },
      (res) => readResponse(res, finish),
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, error: 'timeout' });
    }, guard.timeoutMs);
    req.on('socket', (socket: Socket) => {
      socket.once('connect', () => {
        if (!guard.allow(socket.remoteAddress ?? '')) req.destroy(new RefusedAddress(`connected to a refused address`));
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ ok: false, error: err instanceof RefusedAddress ? 'address_refused' : errorLabel(err) }),
    );
    req.end(request.body);
  });
}

/** Reads at most MAX_RESPONSE_BYTES of the answer, then settles with what its status means. */
function readResponse(res: IncomingMessage, finish: (outcome: SendOutcome) => void): void {
  let read = 0;
  res.on('data', (chunk: Buffer) => {
    read += chunk.length;
    if (read >= MAX_RESPONSE_BYTES) res.destroy();
  });
  const status = res.statusCode ?? 0;
  const settle = () => finish(outcomeOf(status));
  res.on('end', settle);
  res.on('close', settle);
  res.on('error', settle);
}

function outcomeOf(status: number): SendOutcome {
  if (status >= 200 && status < 300) return { ok: true, status };
  return { ok: false, status, error: status >= 300 && status < 400 ? 'redirect_not_followed' : 'http_status' };
}

/** A short, stable description of a network failure; never the library's full text. */
function errorLabel(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ECONNRESET':
      return 'connection_reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns_failure';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return err.code?.startsWith('ERR_TLS') || err.code?.includes('CERT') ? 'tls_failure' : 'network_error';
  }
}

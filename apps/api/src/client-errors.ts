import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError } from '#errors';

/**
 * Node answers a request it cannot parse before any middleware runs, with an empty body. This
 * answers headers over Node's limit (`--max-http-header-size`, 16 KiB by default) with 431 in
 * the error model, and keeps Node's own answers for everything else (400, 408, or a plain close).
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      const error = new ApiError('headers_too_large', 'The request headers exceed the server limit.');
      socket.end(rawResponse(431, 'Request Header Fields Too Large', JSON.stringify(error.toBody())));
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end(rawResponse(408, 'Request Timeout'));
    } else if (err.code === 'ECONNRESET') {
      socket.destroy();
    } else {
      socket.end(rawResponse(400, 'Bad Request'));
    }
  });
}

function rawResponse(status: number, reason: string, json?: string): string {
  const body = json ?? '';
  const type = json === undefined ? '' : 'Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n';
  return `HTTP/1.1 ${status} ${reason}\r\n${type}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

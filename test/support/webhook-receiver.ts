import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  contentType: string | undefined;
  /** Verified with the Standard Webhooks reference library against the secret in force. */
  verified: boolean;
  /** The status this receiver answered. */
  answered: number;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
}

/**
 * A webhook receiver on 127.0.0.1. It verifies every request with the `standardwebhooks`
 * package (independent of Tessera's signer) and answers with the next scripted status (200 once
 * the script is used up).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  secrets: string[] = [];
  private script: number[] = [];
  private waiters: (() => void)[] = [];
  private server?: Server;
  url = '';

  async start(path = '/hooks'): Promise<this> {
    this.server = createServer(
      (req, res) =>
        void this.handle(req).then((status) =>
          res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'no'),
        ),
    );
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}${path}`;
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close');
  }

  /** The next requests get these statuses, in order. */
  answer(...statuses: number[]): void {
    this.script.push(...statuses);
  }

  of(type: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.payload.type === type);
  }

  /** Resolves once `predicate` holds (checked on every request); bounded so a test cannot hang. */
  async until(predicate: (received: ReceivedWebhook[]) => boolean, what: string, limitMs = 30_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline)
        throw new Error(
          `webhook receiver: gave up waiting for ${what} (got ${this.received.map((r) => `${r.payload.type}:${r.answered}`).join(', ') || 'nothing'})`,
        );
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, 200)),
      ]);
    }
  }

  private async handle(req: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id']),
      'webhook-timestamp': String(req.headers['webhook-timestamp']),
      'webhook-signature': String(req.headers['webhook-signature']),
    };
    const verified = this.secrets.some((secret) => {
      try {
        new Webhook(secret).verify(body, headers);
        return true;
      } catch {
        return false;
      }
    });
    const answered = this.script.shift() ?? 200;
    this.received.push({
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
      contentType: req.headers['content-type'],
      verified,
      answered,
      payload: JSON.parse(body) as ReceivedWebhook['payload'],
    });
    for (const w of this.waiters.splice(0)) w();
    return answered;
  }
}

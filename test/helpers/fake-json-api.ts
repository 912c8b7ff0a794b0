import * as http from 'http';
import { AddressInfo } from 'net';

/** One request the fake API received. */
export interface ReceivedRequest {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly method?: string;
  readonly url?: string;
}

/** What the fake API answers next: a status with a JSON body, or 'hang' (never answers, so a client timeout fires). */
export type FakeReply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export interface FakeJsonApi {
  readonly endpoint: string;
  /** Every request, in order of arrival; emptied in place by reset(). */
  readonly received: ReceivedRequest[];
  /** Queued answers, taken in order; an empty queue answers 200 `{}`. Emptied in place by reset(). */
  readonly replies: FakeReply[];
  reset(): void;
  close(): Promise<void>;
}

/**
 * A local HTTP server on 127.0.0.1 that speaks AWS's JSON 1.0 protocol well enough for a hand-written client's
 * tests (the Region switch client has no aws-sdk-client-mock counterpart): it records each request and answers from
 * a queue.
 */
export async function startFakeJsonApi(): Promise<FakeJsonApi> {
  const received: ReceivedRequest[] = [];
  const replies: FakeReply[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body, method: req.method, url: req.url });
      const reply = replies.shift() ?? { status: 200, body: {} };
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...(reply.headers ?? {}) });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    replies,
    reset: () => {
      received.length = 0;
      replies.length = 0;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

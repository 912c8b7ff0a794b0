import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { TLSSocket } from 'tls';

export interface SelfSignedCertificate {
  readonly key: string;
  readonly cert: string;
}

/**
 * A throwaway self-signed certificate for `hostname` (subject alternative name), made with the machine's openssl:
 * node:crypto can make keys but not X.509 certificates.
 */
export function selfSignedCertificate(hostname: string): SelfSignedCertificate {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulwark-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${hostname}`,
        '-addext',
        `subjectAltName=DNS:${hostname}`,
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ],
      { stdio: 'pipe' },
    );
  } catch (error) {
    throw new Error(`openssl could not make a test certificate (is openssl on PATH?): ${(error as Error).message}`);
  }
  const certificate = { key: fs.readFileSync(keyFile, 'utf8'), cert: fs.readFileSync(certFile, 'utf8') };
  fs.rmSync(dir, { recursive: true, force: true });
  return certificate;
}

/** What the server saw of one request. */
export interface SeenRequest {
  readonly path: string;
  /** TLS server name (SNI) the client sent; undefined over plain HTTP or without SNI. */
  readonly servername?: string;
  readonly host?: string;
  readonly authorization?: string;
}

export interface LocalServer {
  /** `https://127.0.0.1:<port>` or `http://127.0.0.1:<port>`. */
  readonly baseUrl: string;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * A server on 127.0.0.1 (HTTPS with the certificate, else HTTP) that records each request, then hands it to
 * `handler`.
 */
export async function startLocalServer(
  handler: http.RequestListener,
  certificate?: SelfSignedCertificate,
): Promise<LocalServer> {
  const seen: SeenRequest[] = [];
  const listener: http.RequestListener = (req, res) => {
    const socket = req.socket as Partial<TLSSocket>;
    const servername = typeof socket.servername === 'string' ? socket.servername : undefined;
    seen.push({ path: req.url ?? '/', servername, host: req.headers.host, authorization: req.headers.authorization });
    handler(req, res);
  };
  const server = certificate ? https.createServer(certificate, listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `${certificate ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

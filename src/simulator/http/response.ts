/** How the simulated API writes an answer. */
import type { ServerResponse } from 'node:http';
import { expandDeepJson } from '../deep-json.js';

/**
 * JSON unless `body` is a string and a content type is given: then it is sent as is (text, an
 * HTML page, or deliberately broken JSON). `undefined` sends an empty body.
 */
export function writeResponse(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const isText = typeof body === 'string' && headers['content-type'] !== undefined;
  const text = body === undefined ? '' : isText ? (body as string) : expandDeepJson(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': isText ? (headers['content-type'] as string) : 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** What a gateway in front of the API answers when the backend is down. */
export const SERVICE_UNAVAILABLE_PAGE = '<html><body>Service Unavailable</body></html>';

/** Answers and counts the answer under `endpoint` (the server's way to answer; see ../server.ts). */
export type Send = (res: ServerResponse, endpoint: string, status: number, body: unknown, headers?: Record<string, string>) => void;

import { connect } from 'node:net';

/** A response read off the socket as bytes, for requests `fetch` refuses to send. */
export interface RawResponse {
  status: number;
  /** Lowercased names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  /** The whole response as latin1 text. */
  text: string;
}

/**
 * Sends `GET path` with the given header lines written byte for byte (no validation), on a fresh connection that
 * the server is asked to close, and reads the whole response.
 */
export function rawGet(baseUrl: string, path: string, headerLines: Buffer[]): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const head = Buffer.from(
    `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n`,
    'latin1',
  );
  const request = Buffer.concat([
    head,
    ...headerLines.map((l) => Buffer.concat([l, Buffer.from('\r\n')])),
    Buffer.from('\r\n'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => resolve(parse(Buffer.concat(chunks).toString('latin1'))));
    socket.write(request);
  });
}

function parse(text: string): RawResponse {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, split === -1 ? text.length : split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: split === -1 ? '' : text.slice(split + 4),
    text,
  };
}

import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger, scrubSecrets } from '../../src/log.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('secrets never reach a log line', () => {
  it('pino redacts secret fields wherever they sit', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream, pretty: false });
    log.info({ clientSecret: 's3cr3t-value', config: { mluviiClientSecret: 's3cr3t-value' }, headers: { authorization: 'Bearer abc.def.ghi' }, token: 'tok-123456' }, 'hello');
    const text = out.text();
    expect(text).toContain('hello');
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('abc.def.ghi');
    expect(text).not.toContain('tok-123456');
  });

  it('scrubs bearer tokens, form secrets and connection-string passwords from free text', () => {
    const text = scrubSecrets(
      'GET failed with Authorization: Bearer eyJhbGciOi.payload.sig; body client_secret=topsecret&x=1; db postgres://etl:pa55word@db:5432/w; other mysecretvalue',
      ['mysecretvalue'],
    );
    expect(text).not.toMatch(/eyJhbGciOi|topsecret|pa55word|mysecretvalue/);
    expect(text).toContain('postgres://etl:[redacted]@db:5432/w');
  });
});

import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { databasePassword, databaseUrlWarning, loadConfig, redactUrl } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { createLogger, registerSecrets, scrubSecrets } from '../../src/log.js';

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

describe('a DATABASE_URL whose password is not percent-encoded (issue "Hostile inputs, round 2")', () => {
  it.each([
    ['an unencoded @', 'postgres://etl:Pa@SecretPw99@db:5432/wh', 'postgres://etl:***@db:5432/wh'],
    ['@, : and /', 'postgres://etl:Pa:ss/Secret@Pw99@db/wh', 'postgres://etl:***@db/wh'],
    ['a / after digits (a parser reads host etl, port 12)', 'postgres://etl:12/SecretPw99@db/wh', 'postgres://etl:***@db/wh'],
    ['a # (a parser reads a fragment)', 'postgres://etl:12#SecretPw99@db/wh', 'postgres://etl:***@db/wh'],
    ['percent-encoded', 'postgres://etl:Pa%40SecretPw99@db/wh', 'postgres://etl:***@db/wh'],
    ['a password= parameter', 'postgres://etl@db/wh?sslmode=require&password=SecretPw99', 'postgres://etl@db/wh?sslmode=require&password=***'],
  ])('redactUrl and scrubSecrets hide the whole password: %s', (_what, url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
    const scrubbed = scrubSecrets(`cannot connect to ${url} (refused)`);
    expect(scrubbed).not.toMatch(/SecretPw99|Secret|Pw99/);
    expect(scrubbed).toMatch(/ \(refused\)$/);
  });

  it('leaves a URL without a password as it is', () => {
    expect(redactUrl('postgres://etl@db:5432/wh')).toBe('postgres://etl@db:5432/wh');
    expect(redactUrl('postgres:///wh?host=/var/run/postgresql')).toBe('postgres:///wh?host=/var/run/postgresql');
  });

  it('reads the password node-postgres connects with, to scrub it from every message (also percent-encoded)', () => {
    expect(databasePassword('postgres://etl:Pa@SecretPw99@db:5432/wh')).toBe('Pa@SecretPw99');
    expect(databasePassword('postgres://etl:Pa%2FSecret99@db/wh')).toBe('Pa/Secret99');
    expect(databasePassword('postgres://etl:12/SecretPw99@db/wh')).toBe('12/SecretPw99');
    registerSecrets('Zq@held/Secret');
    expect(scrubSecrets('echoed Zq@held/Secret and Zq%40held%2FSecret')).toBe('echoed [redacted] and [redacted]');
  });

  it('warns that the password should be percent-encoded; refuses a DATABASE_URL no parser can read, without its password', () => {
    expect(databaseUrlWarning('postgres://etl:Pa@SecretPw99@db:5432/wh')).toMatch(/percent-encode .*'@' as %40/);
    expect(databaseUrlWarning('postgres://etl:Pa%40SecretPw99@db:5432/wh')).toBeUndefined();
    expect(databaseUrlWarning('postgres://etl:plain-Pw99@db:5432/wh')).toBeUndefined();
    let err: unknown;
    try {
      loadConfig({ DATABASE_URL: 'postgres://etl:Pa/SecretPw99@db:5432/wh' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('DATABASE_URL');
    expect((err as Error).message).toBe("DATABASE_URL cannot be read as a URL (postgres://etl:***@db:5432/wh): percent-encode the characters of its password that URLs reserve ('/' as %2F)");
  });
});

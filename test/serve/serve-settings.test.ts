import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../src/config.js';
import { inProcessCli } from '../helpers/in-process-cli.js';

/** serve's settings: named when missing or malformed, never echoed. */
describe('serve settings', () => {
  it('reads MLUVII_WEBHOOK_SECRET, MLUVII_WEBHOOK_DEBOUNCE and PORT, with their defaults', () => {
    const c = loadConfig({ MLUVII_WEBHOOK_SECRET: 'a'.repeat(24), MLUVII_WEBHOOK_DEBOUNCE: '45s', PORT: '9090' });
    expect(c).toMatchObject({ webhookSecret: 'a'.repeat(24), webhookDebounceMs: 45_000, port: 9090 });
    expect(loadConfig({})).toMatchObject({ webhookSecret: undefined, webhookDebounceMs: 30_000, port: undefined });
  });

  it('refuses a secret too short or not fit for a URL without printing it, a debounce out of range, a bad PORT', () => {
    expect(() => loadConfig({ MLUVII_WEBHOOK_SECRET: 'short' })).toThrow(/^MLUVII_WEBHOOK_SECRET must be 24 to 200 letters/);
    const spaced = 'has spaces and / slashes 0123456789';
    expect(() => loadConfig({ MLUVII_WEBHOOK_SECRET: spaced })).toThrow(/MLUVII_WEBHOOK_SECRET/);
    expect(() => loadConfig({ MLUVII_WEBHOOK_SECRET: spaced })).not.toThrow(/spaces/);
    expect(() => loadConfig({ MLUVII_WEBHOOK_DEBOUNCE: '20m' })).toThrow(/^MLUVII_WEBHOOK_DEBOUNCE must be from 1s to 10m, got "20m"/);
    expect(() => loadConfig({ MLUVII_WEBHOOK_DEBOUNCE: 'soon' })).toThrow(/MLUVII_WEBHOOK_DEBOUNCE must be a duration/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/^PORT must be a whole number from 1 to 65535, got "70000"/);
  });

  it('serve refuses to start without the secret or a database (exit 2, one line naming it); webhooks refuses an unknown action', async () => {
    const noSecret = await inProcessCli(['serve', '--port', '0'], { DATABASE_URL: 'postgres://u@127.0.0.1:1/x' });
    expect(noSecret.code).toBe(2);
    expect(noSecret.err).toMatch(/^mluvii-etl: MLUVII_WEBHOOK_SECRET is required/);
    const noDb = await inProcessCli(['serve'], { MLUVII_WEBHOOK_SECRET: 'b'.repeat(30) });
    expect(noDb.code).toBe(2);
    expect(noDb.err).toMatch(/DATABASE_URL is required/);
    const badPort = await inProcessCli(['serve', '--port', 'http'], { MLUVII_WEBHOOK_SECRET: 'b'.repeat(30), DATABASE_URL: 'postgres://u@127.0.0.1:1/x' });
    expect(badPort.code).toBe(2);
    expect(badPort.err).toMatch(/--port must be a whole number/);
    const unknown = await inProcessCli(['webhooks', 'delete'], {});
    expect(unknown.code).toBe(2);
  });
});

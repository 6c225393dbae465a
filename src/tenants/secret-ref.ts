import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, UsageError } from '../errors.js';

/**
 * Where a registered tenant's API secret is read from: `env:VARIABLE` (an environment variable of
 * the process that loads the tenant, or of its settings file) or `file:PATH` (a file holding the
 * secret, e.g. a Kubernetes or Docker secret). The warehouse stores only this reference: a dump
 * of it, or a reader of etl.tenants, never sees the secret.
 */
export type SecretRef = { kind: 'env'; variable: string } | { kind: 'file'; path: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads `--secret-from`. A value that is no reference is refused without being repeated: it may be
 * the secret itself, typed where its address belongs.
 */
export function parseSecretRef(raw: string, flag = '--secret-from'): SecretRef {
  const m = /^(env|file):(.+)$/s.exec(raw.trim());
  if (m?.[1] === 'env' && ENV_NAME.test(m[2])) return { kind: 'env', variable: m[2] };
  if (m?.[1] === 'file' && !m[2].includes('\u0000')) return { kind: 'file', path: isAbsolute(m[2]) ? m[2] : resolve(m[2]) };
  throw new UsageError(
    `${flag} must say where the secret is read from, env:VARIABLE or file:PATH (the secret itself is never stored); ` +
      `got a value of ${raw.length} character(s) that is neither`,
  );
}

/** The reference as stored: `env:VARIABLE`, or `file:` with an absolute path. */
export function secretRefText(ref: SecretRef): string {
  return ref.kind === 'env' ? `env:${ref.variable}` : `file:${ref.path}`;
}

/** The secret a reference points to, read now; a ConfigError naming the tenant and the reference when it cannot be read. */
export function resolveSecret(ref: SecretRef, tenant: string, env: NodeJS.ProcessEnv): string {
  const where = secretRefText(ref);
  if (ref.kind === 'env') {
    const value = env[ref.variable]?.trim();
    if (!value) throw new ConfigError(ref.variable, `tenant ${tenant}: its API secret is read from ${where}, but ${ref.variable} is not set in this process`);
    return value;
  }
  let text: string;
  try {
    text = readFileSync(ref.path, 'utf8');
  } catch (err) {
    throw new ConfigError('MLUVII_CLIENT_SECRET', `tenant ${tenant}: cannot read its API secret from ${where} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (!value.trim()) throw new ConfigError('MLUVII_CLIENT_SECRET', `tenant ${tenant}: the file of its API secret (${where}) is empty`);
  return value;
}

/**
 * `webhooks register` and `webhooks status`: tells mluvii where this tenant's `serve` listens and
 * for which events, and shows what mluvii has registered. The callback URL holds the secret
 * (mluvii does not sign its calls), so it is only ever printed with the secret hidden.
 */
import { requireWebhookSecret, type Config } from '../config.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RegisteredWebhook } from '../mluvii/client.js';
import { callbackPath, callbackUrl, KNOWN_EVENT_TYPES, redactCallbackUrl, REGISTERED_EVENT_TYPES } from '../serve/webhook-event.js';
import { envTenant } from '../tenants/tenant.js';
import { clientFromConfig } from './client-from-config.js';

interface Deps {
  config: Config;
  logger: Logger;
  print: (line: string) => void;
}

/** serve's public address as given: http(s), no query, no fragment, not the callback itself. */
export function publicAddress(raw: unknown): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new UsageError(`--url must be serve's public address, such as https://etl.example.com, got "${String(raw)}"`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash) throw new UsageError(`--url must be an http(s) address without ?query or #fragment, such as https://etl.example.com, got "${String(raw)}"`);
  if (url.pathname.includes('/webhooks/mluvii/')) throw new UsageError('--url is serve\'s public address (https://etl.example.com); the command adds /webhooks/mluvii/<tenant>/<secret> itself');
  return url;
}

export async function registerCallback({ config, logger, print }: Deps, rawUrl: unknown): Promise<number> {
  const secret = requireWebhookSecret(config);
  const address = publicAddress(rawUrl);
  const tenant = envTenant(config).name;
  const url = callbackUrl(address.toString(), tenant, secret);
  const client = clientFromConfig(config, logger);
  const done = await client.registerWebhook(REGISTERED_EVENT_TYPES, url);
  const what = `${REGISTERED_EVENT_TYPES.join(', ')} → ${redactCallbackUrl(url)}`;
  print(done.outcome === 'created' ? `Registered a webhook${done.id === undefined ? '' : ` (id ${done.id})`}: ${what}` : `Updated webhook ${done.id} (mluvii had this address already): ${what}`);
  if (address.protocol !== 'https:') print('Warning: the address is not https: the secret in the URL would cross the network readable.');
  const stale = (await client.listWebhooks()).filter((h) => h.callbackUrl !== url && isTenantsCallback(h, tenant));
  for (const h of stale) print(`Note: webhook ${h.id} still calls ${redactCallbackUrl(h.callbackUrl)}, another address or secret of this tenant; serve answers it 404 and mluvii deletes it after three days of failures (or remove it in mluvii).`);
  logger.info({ tenant, outcome: done.outcome }, 'webhook registered');
  return 0;
}

export async function showWebhooks({ config, logger, print }: Deps): Promise<number> {
  const tenant = envTenant(config).name;
  const ours = (h: RegisteredWebhook) => (config.webhookSecret ? h.callbackUrl.endsWith(callbackPath(tenant, config.webhookSecret)) : isTenantsCallback(h, tenant));
  const hooks = await clientFromConfig(config, logger).listWebhooks();
  if (!hooks.length) print('mluvii has no webhooks registered.');
  for (const h of hooks) print(`${ours(h) ? '*' : ' '} ${String(h.id).padStart(4)}  ${redactCallbackUrl(h.callbackUrl)}  ${h.eventTypes.join(', ')}`);
  const mine = hooks.filter(ours);
  if (!mine.length) {
    print(`No webhook calls this tenant's serve (${tenant}): run \`mluvii-etl webhooks register --url <serve's public address>\`.`);
    return 0;
  }
  print(`* calls this tenant's serve (${tenant}${config.webhookSecret ? ', with MLUVII_WEBHOOK_SECRET' : ''}).`);
  for (const h of mine) {
    const missing = REGISTERED_EVENT_TYPES.filter((t) => !h.eventTypes.includes(t));
    const refused = h.eventTypes.filter((t) => !(KNOWN_EVENT_TYPES as readonly string[]).includes(t));
    if (missing.length) print(`Webhook ${h.id} lacks ${missing.join(', ')}: run \`webhooks register\` again.`);
    if (refused.length) print(`Webhook ${h.id} also sends ${refused.join(', ')}, which serve refuses (400): mluvii retries them and deletes a webhook that fails for three days; run \`webhooks register\` again.`);
  }
  return 0;
}

function isTenantsCallback(h: RegisteredWebhook, tenant: string): boolean {
  return h.callbackUrl.includes(`/webhooks/mluvii/${encodeURIComponent(tenant)}/`);
}

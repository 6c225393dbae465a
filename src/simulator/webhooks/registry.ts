/**
 * The simulated API's webhook registrations, as mluvii keeps them: one per callback URL (a second
 * registration of the same URL is a conflict that names the existing id), each with the event
 * types it wants. Registered at an instant of the simulator's clock: events before it are never
 * sent to it.
 */

/** The event types mluvii knows (its WebhookEventType enumeration; the list is open). */
export const WEBHOOK_EVENT_TYPES = [
  'UserStatusChanged', 'SessionCreated', 'SessionStarted', 'SessionEnded', 'SessionForwarded', 'SessionOperatorJoined',
  'SessionOperatorLeft', 'SessionOperatorConcluded', 'SessionCallParamsUpdated', 'SessionRecordingPostProcessingCompleted',
  'EmailThreadCreated', 'EmailThreadOperatorJoined', 'EmailThreadOperatorLeft', 'EmailThreadForwarded', 'GuestIdentityUpdated',
  'SessionActivityChatMessage', 'SessionActivitySharedFile', 'SessionActivitySharedScreen', 'SessionActivityCobrowsingStarted',
  'SessionActivityCobrowsingStoppedByGuest', 'SessionActivityScreenSharingFailedByGuest', 'SessionActivityFileUploadFailed',
  'SessionActivityHeroCard', 'SessionActivityHeroCardSubmission', 'SessionActivityChatbotMessage', 'SessionActivityCallScript',
  'SessionActivityCallScriptSubmission', 'SessionActivityWelcomeMessage', 'SessionActivityLastFarewellMessage',
  'SessionActivityPreviewUrl', 'SessionActivityExternalMessage', 'SessionActivityOnHold', 'SessionActivityResumeGuest',
  'SessionActivityChatToMail', 'SessionActivityAutoActivity', 'SessionActivityAutoActivityAsOperator',
  'SessionActivityChatbotHeroCardSubmission', 'SessionActivitySessionEnded', 'SessionActivitySessionForwarded',
  'SessionActivityOperatorInvited', 'SessionActivityOperatorInviteCanceled', 'SessionActivityOperatorInviteRejected',
  'SessionActivityOperatorKicked', 'SessionActivityAvRequest', 'SessionActivityAvResponse', 'SessionActivityAvMediaResult',
  'SessionActivityAvTerminated', 'EmailThreadParamsUpdated', 'ApplicationSettingChanged', 'StatRealTime',
] as const;
const KNOWN = new Set<string>(WEBHOOK_EVENT_TYPES);

export interface WebhookRegistration {
  id: number;
  eventTypes: string[];
  callbackUrl: string;
  /** The simulator's clock when it was registered (ms): events before it are not sent to it. */
  since: number;
}

/** What a POST or PUT body holds, read case-insensitively as ASP.NET binds it; or the validation errors. */
export type WebhookInput = { eventTypes: string[]; callbackUrl: string } | { errors: Record<string, string[]> };

export function readWebhookInput(body: unknown): WebhookInput {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { errors: { '': ['A non-empty request body is required.'] } };
  const field = (name: string) => Object.entries(body).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const errors: Record<string, string[]> = {};
  const types = field('EventTypes');
  if (!Array.isArray(types) || types.length === 0) errors.EventTypes = ['The EventTypes field is required.'];
  else {
    const unknown = types.filter((t) => typeof t !== 'string' || !KNOWN.has(t));
    if (unknown.length) errors.EventTypes = [`The JSON value could not be converted to WebhookEventType: ${JSON.stringify(unknown[0])}.`];
  }
  const url = field('CallbackUrl');
  if (typeof url !== 'string' || !/^https?:\/\/[^\s/]+/i.test(url)) errors.CallbackUrl = ['The CallbackUrl field is not a valid fully-qualified http, https, or ftp URL.'];
  if (Object.keys(errors).length) return { errors };
  return { eventTypes: [...new Set(types as string[])], callbackUrl: url as string };
}

export class WebhookRegistry {
  private readonly hooks = new Map<number, WebhookRegistration>();
  private nextId = 1;

  /** A new registration; a URL registered already is a conflict naming the existing id. */
  add(input: { eventTypes: string[]; callbackUrl: string }, now: number): { created: WebhookRegistration } | { conflict: number } {
    const existing = this.byUrl(input.callbackUrl);
    if (existing) return { conflict: existing.id };
    const hook = { id: this.nextId++, eventTypes: input.eventTypes, callbackUrl: input.callbackUrl, since: now };
    this.hooks.set(hook.id, hook);
    return { created: hook };
  }

  /** Edits a registration; false when there is none with this id, or the URL is another one's. */
  update(id: number, input: { eventTypes: string[]; callbackUrl: string }): 'updated' | 'not-found' | 'conflict' {
    const hook = this.hooks.get(id);
    if (!hook) return 'not-found';
    const other = this.byUrl(input.callbackUrl);
    if (other && other.id !== id) return 'conflict';
    hook.eventTypes = input.eventTypes;
    hook.callbackUrl = input.callbackUrl;
    return 'updated';
  }

  remove(id: number): boolean {
    return this.hooks.delete(id);
  }

  get(id: number): WebhookRegistration | undefined {
    return this.hooks.get(id);
  }

  list(): WebhookRegistration[] {
    return [...this.hooks.values()];
  }

  private byUrl(url: string): WebhookRegistration | undefined {
    return this.list().find((h) => h.callbackUrl.toLowerCase() === url.toLowerCase());
  }
}

/** A registration as `GET /api/v1/Webhooks` shows it (WebhookModel, camelCase like every answer). */
export function webhookModel(h: WebhookRegistration): { id: number; eventTypes: string[]; callbackUrl: string } {
  return { id: h.id, eventTypes: [...h.eventTypes], callbackUrl: h.callbackUrl };
}

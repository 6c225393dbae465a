/** Who the guest is: device, language, the widget's call parameters; a phone number for calls. */
import { URLS, WIDGETS } from '../catalog.js';
import type { Channel, SessionPlanner } from './session-planner.js';

export function drawGuest(p: SessionPlanner, channel: Channel): void {
  const { r, d } = p;
  const phone = channel === 'Phone';
  d.widget = phone ? null : r.pick(WIDGETS[d.departmentId]);
  d.url = phone ? null : r.pick(URLS[d.departmentId]);
  d.avSupport = phone ? 'NONE' : r.chance(0.95) ? 'WEB_RTC' : 'NONE';
  const lang = r.weighted([['cs', 0.75], ['sk', 0.12], ['en', 0.13]] as const);
  const callParams: Record<string, string> = {};
  if (phone) {
    d.phoneCallbackNumber = p.phoneNumber();
    callParams.oo1_guest_phone = d.phoneCallbackNumber;
  } else {
    callParams.oo1_page = r.pick(['Objednávky', 'Úvod', 'Košík', 'Reklamace', 'Portál']);
    callParams.oo1_ref_url = d.url ?? '';
    callParams.oo1_widget_lang = lang;
    if (r.chance(0.3)) callParams.oo1_guest_email = `host${r.int(1, 99_999)}@example.cz`;
  }
  d.guest = {
    tempId: r.int(1, 9_999_999),
    ipAddress: phone ? null : `203.0.113.${r.int(1, 254)}`,
    trackedId: phone ? null : r.uuid(),
    identity: r.chance(0.25) ? String(r.int(1, 99_999)) : null,
    channelIdentity: r.chance(0.25) ? r.int(1, 9_999_999) : null,
    os: phone ? 'UNKNOWN' : r.pick(['WINDOWS', 'WINDOWS', 'ANDROID', 'IOS', 'OSX', 'LINUX']),
    browser: phone ? 'UNKNOWN' : r.pick(['CHROME', 'CHROME', 'SAFARI', 'FF', 'CHROMIUM_EDGE', 'OPERA']),
    language: lang,
    callParams,
    gdprVersion: phone ? null : r.pick(['2', '3']),
  };
}

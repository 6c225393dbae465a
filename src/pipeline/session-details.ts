import { OversizedBodyError } from '../mluvii/bounded-body.js';
import type { BodyMeta, ListedSession, MluviiClient } from '../mluvii/client.js';
import { routingUnavailable } from '../transform/index.js';
import { payloadId } from '../util/json.js';
import type { ExtractedSession } from './transform-and-load.js';

/** The extract step after listing: what a listed session needs besides its list item. */

/**
 * An ended session whose list item lacks `operators` or `activities`: the list is not documented
 * to carry them in full, so the detail (GET /Sessions/{id}) is fetched for it.
 */
export function isThinListItem(payload: unknown): boolean {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return false;
  const p = payload as { ended?: unknown; operators?: unknown; activities?: unknown };
  return p.ended !== null && p.ended !== undefined && (!Array.isArray(p.operators) || !Array.isArray(p.activities));
}

/**
 * Routing histories of a batch (and the detail of thin list items), fetched concurrently: the
 * client's limiter bounds the rate. A routing history that answers 404 is stored as
 * "unavailable", so the session gets the flag `routing_unavailable` (not "never routed").
 */
export async function withRoutingHistories(client: MluviiClient, items: ListedSession[]): Promise<ExtractedSession[]> {
  return Promise.all(
    items.map(async (item): Promise<ExtractedSession> => {
      if (item.oversized) {
        const { bytes, head } = item.oversized;
        return { payload: undefined, routingHistory: undefined, setAside: { sessionId: item.id ?? null, reason: `oversized: the list item is ${bytes} bytes, more than MLUVII_MAX_ITEM_BYTES; its first KB is kept`, rawText: head } };
      }
      let payload = item.payload;
      let payloadChecked = item.textChecked === true;
      const id = payloadId(payload);
      if (id === undefined) return { payload, routingHistory: undefined };
      const detailMeta: BodyMeta = {};
      const routingMeta: BodyMeta = {};
      let detail: unknown;
      let routingHistory: unknown;
      try {
        [detail, routingHistory] = await Promise.all([
          isThinListItem(payload) ? client.getSession(id, detailMeta) : Promise.resolve(undefined),
          client.getRoutingHistory(id, routingMeta),
        ]);
      } catch (err) {
        // A detail or routing history too large to hold: this session is set aside, the window loads.
        if (!(err instanceof OversizedBodyError)) throw err;
        return { payload: undefined, routingHistory: undefined, setAside: { sessionId: id, reason: `oversized: ${err.message}`, rawText: '' } };
      }
      if (detail !== undefined) {
        payload = detail;
        payloadChecked = detailMeta.textChecked === true;
      }
      return {
        payload,
        routingHistory: routingHistory === undefined ? routingUnavailable('HTTP 404') : routingHistory,
        // The transform skips its walk over every string only when every text it reads was scanned clean.
        textChecked: payloadChecked && (routingHistory === undefined || routingMeta.textChecked === true),
      };
    }),
  );
}

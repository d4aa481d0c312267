import { newTimeOrderedId, type WebhookDeliveryEntity } from '#persistence';

/** A delivery due now, before its first attempt. */
export function pendingDelivery(
  endpointId: string,
  event: { id: string; type: string },
  body: string,
  now: Date,
): Omit<WebhookDeliveryEntity, 'tenantId' | 'tenant'> {
  return {
    id: newTimeOrderedId(now.getTime()),
    endpointId,
    eventId: event.id,
    eventType: event.type,
    body,
    status: 'pending',
    attempts: 0,
    lastResponseCode: null,
    lastError: null,
    lastAttemptAt: null,
    nextAttemptAt: now,
    createdAt: now,
  };
}

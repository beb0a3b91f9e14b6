/** Alerts (docs/alerts.md): rules over Glass events, and their delivery through the store's outbox. */

export { sign, verifyWebhook } from './deliver/webhook.ts';
export { DEFAULT_DELIVERY, Deliverer, type DeliveryOptions, type DeliveryResult, destinationId, outboxItems } from './deliver/worker.ts';
export { type EventFields, eventFields } from './fields.ts';
export { ledgerView } from './ledger-view.ts';
export { alertText } from './message.ts';
export { AlertRules, type Decision, type DropReason, type LedgerView, parseRules, quietTest, RULE_DEFAULTS, RuleError } from './rules.ts';
export type { Destination, Rule } from './schema.ts';
export { DEFAULT_SERVING_ALERTS, ServingAlerts, type ServingAlertsOptions } from './serving.ts';
export type { Alert, Hops, LedgerStanding } from './types.ts';

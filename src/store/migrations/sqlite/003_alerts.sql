-- The alerts outbox (src/store/outbox.ts, docs/alerts.md): one row per alert × destination, keyed
-- by the idempotency key; a deliverer claims due rows with a lease, so a killed deliverer's rows
-- come back when the lease runs out (at-least-once). Destinations' secrets are not stored here.
CREATE TABLE alert_outbox (
  key TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL,
  destination TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  delivered_at INTEGER,
  last_error TEXT
);
CREATE INDEX alert_outbox_due ON alert_outbox (state, next_at);

-- The rules served at /v1/alerts (the rule file's format, docs/alerts.md), one row per rule id.
CREATE TABLE alert_rules (
  id TEXT PRIMARY KEY,
  rule TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

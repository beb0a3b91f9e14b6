-- The event log: append-only, id = position in the event stream (1, 2, 3 … deterministic).
-- Times are ms since the epoch (bigint); JSON is kept as text so it comes back byte for byte.
CREATE TABLE events (
  id BIGINT PRIMARY KEY,
  type TEXT NOT NULL,
  coin TEXT NOT NULL,
  time BIGINT NOT NULL,
  received_at BIGINT NOT NULL,
  detected_at BIGINT NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_coin ON events (coin, id);
CREATE INDEX events_type ON events (type, id);

-- A coin's map (the `glass heatmap --json` document) at one moment.
CREATE TABLE heatmap_snapshots (
  id BIGSERIAL PRIMARY KEY,
  coin TEXT NOT NULL,
  time BIGINT NOT NULL,
  reason TEXT NOT NULL,
  map TEXT NOT NULL
);
CREATE INDEX heatmap_snapshots_coin_time ON heatmap_snapshots (coin, time, id);

-- A tracked wallet's position in one coin, each time it changed (szi 0: closed).
CREATE TABLE position_snapshots (
  id BIGSERIAL PRIMARY KEY,
  wallet TEXT NOT NULL,
  coin TEXT NOT NULL,
  time BIGINT NOT NULL,
  szi DOUBLE PRECISION NOT NULL,
  entry_px DOUBLE PRECISION,
  liquidation_px DOUBLE PRECISION,
  notional_usd DOUBLE PRECISION NOT NULL,
  leverage DOUBLE PRECISION,
  estimated BOOLEAN NOT NULL
);
CREATE INDEX position_snapshots_key ON position_snapshots (wallet, coin, time, id);
CREATE INDEX position_snapshots_time ON position_snapshots (time);

-- Wallet scores: every recorded value is history; the newest ≤ at is the score then.
CREATE TABLE scores (
  id BIGSERIAL PRIMARY KEY,
  wallet TEXT NOT NULL,
  time BIGINT NOT NULL,
  score DOUBLE PRECISION NOT NULL,
  confidence DOUBLE PRECISION NOT NULL,
  trades INTEGER NOT NULL,
  components TEXT NOT NULL
);
CREATE INDEX scores_wallet_time ON scores (wallet, time, id);
CREATE INDEX scores_time ON scores (time);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  rate_limit INTEGER NOT NULL
);

CREATE TABLE key_usage (
  key_id TEXT NOT NULL,
  minute BIGINT NOT NULL,
  requests INTEGER NOT NULL,
  PRIMARY KEY (key_id, minute)
);

-- Where ingest stands per source; written in the same transaction as what it produced.
CREATE TABLE ingest_cursor (
  source TEXT PRIMARY KEY,
  position BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  next_event_id BIGINT NOT NULL,
  complete BOOLEAN NOT NULL DEFAULT FALSE
);

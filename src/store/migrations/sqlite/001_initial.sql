-- The event log: append-only, id = position in the event stream (1, 2, 3 … deterministic).
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  coin TEXT NOT NULL,
  time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  detected_at INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_coin ON events (coin, id);
CREATE INDEX events_type ON events (type, id);

-- A coin's map (the `glass heatmap --json` document) at one moment.
CREATE TABLE heatmap_snapshots (
  id INTEGER PRIMARY KEY,
  coin TEXT NOT NULL,
  time INTEGER NOT NULL,
  reason TEXT NOT NULL,
  map TEXT NOT NULL
);
CREATE INDEX heatmap_snapshots_coin_time ON heatmap_snapshots (coin, time, id);

-- A tracked wallet's position in one coin, each time it changed (szi 0: closed).
CREATE TABLE position_snapshots (
  id INTEGER PRIMARY KEY,
  wallet TEXT NOT NULL,
  coin TEXT NOT NULL,
  time INTEGER NOT NULL,
  szi REAL NOT NULL,
  entry_px REAL,
  liquidation_px REAL,
  notional_usd REAL NOT NULL,
  leverage REAL,
  estimated INTEGER NOT NULL
);
CREATE INDEX position_snapshots_key ON position_snapshots (wallet, coin, time, id);
CREATE INDEX position_snapshots_time ON position_snapshots (time);

-- Wallet scores: every recorded value is history; the newest ≤ at is the score then.
CREATE TABLE scores (
  id INTEGER PRIMARY KEY,
  wallet TEXT NOT NULL,
  time INTEGER NOT NULL,
  score REAL NOT NULL,
  confidence REAL NOT NULL,
  trades INTEGER NOT NULL,
  components TEXT NOT NULL
);
CREATE INDEX scores_wallet_time ON scores (wallet, time, id);
CREATE INDEX scores_time ON scores (time);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  rate_limit INTEGER NOT NULL
);

CREATE TABLE key_usage (
  key_id TEXT NOT NULL,
  minute INTEGER NOT NULL,
  requests INTEGER NOT NULL,
  PRIMARY KEY (key_id, minute)
);

-- Where ingest stands per source; written in the same transaction as what it produced.
CREATE TABLE ingest_cursor (
  source TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  next_event_id INTEGER NOT NULL,
  complete INTEGER NOT NULL DEFAULT 0
);

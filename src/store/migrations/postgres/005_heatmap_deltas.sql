-- A map may be stored as its changes against the coin's newest whole map before it (delta:
-- src/store/map-delta.ts); reads find that base through the index of whole maps per coin.
ALTER TABLE heatmap_snapshots ADD COLUMN delta BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX heatmap_snapshots_whole ON heatmap_snapshots (coin, id) WHERE NOT delta;

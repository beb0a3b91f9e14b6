-- Score rows cost less to insert (see the PostgreSQL migration of the same name): about a thousand
-- a tick. One index, (wallet_id, time, id), where there were two: every read of scores goes by
-- wallet; the newest score time (`latestScoreTime`, retention's cut) is the newest row of
-- score_times, a row per batch and tick, and retention finds each wallet's rows before the cut
-- along the index. The recorder's components as four float64 (big-endian, in the order accuracy,
-- riskAdjusted, sizing, behaviour: src/store/score-rows.ts) in components_packed instead of their
-- JSON text, which the writer no longer builds; a row has one or the other, rows written
-- otherwise (before this, components of other keys) keep the text. A change to those four keys
-- needs a migration that rewrites the packed rows.
-- score_times has no unique key, as PostgreSQL's (and, not a rowid alias, takes any time scores takes).
CREATE TABLE score_times (time INTEGER NOT NULL);
INSERT INTO score_times SELECT DISTINCT time FROM scores;
CREATE INDEX score_times_time ON score_times (time);

CREATE TABLE scores_packed (
  id INTEGER PRIMARY KEY,
  wallet_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  score REAL NOT NULL,
  confidence REAL NOT NULL,
  trades INTEGER NOT NULL,
  components TEXT,
  components_packed BLOB,
  CHECK ((components IS NULL) <> (components_packed IS NULL))
);
INSERT INTO scores_packed (id, wallet_id, time, score, confidence, trades, components)
  SELECT id, wallet_id, time, score, confidence, trades, components FROM scores;
DROP TABLE scores;
ALTER TABLE scores_packed RENAME TO scores;
CREATE INDEX scores_wallet_time ON scores (wallet_id, time, id);

-- Score rows cost less to insert: about a thousand a tick (every wallet whose percentile moved).
--
-- One index instead of three. Each row went into the heap, the id primary key, the
-- (wallet_id, time, id) index and the time index: COPYing 75,000 score rows took 610-660 ms of
-- the server's time with the three, 280-400 ms with only (wallet_id, time, id) (measured here).
-- Every read of scores goes by wallet (a wallet's newest row <= at, its history); the two that
-- went by time get a small table of their own: the newest score time (`latestScoreTime`,
-- retention's cut) is the newest row of score_times, a row per batch and tick; retention finds
-- each wallet's rows before the cut along (wallet_id, time, id). `id` stays a serial: it orders
-- two rows of one wallet at one time (written by two sources), last written last.
--
-- The recorder's components as four float8 (big-endian, in the order accuracy, riskAdjusted,
-- sizing, behaviour: src/store/pg-score-copy.ts) in components_packed, written by binary COPY,
-- instead of their JSON text: 75,000 rows COPYed in 200-235 ms of server time where the text took
-- 295-310 ms, half the bytes sent. A row has one or the other; rows written otherwise (a store
-- written before this, components of other keys) keep the text. A change to those four keys
-- needs a migration that rewrites the packed rows.
-- score_times has no unique key: a batch adds its times as they are, so two sources writing the
-- same tick never wait for each other's transaction (as an ON CONFLICT on a key would).
CREATE TABLE score_times (time BIGINT NOT NULL);
INSERT INTO score_times SELECT DISTINCT time FROM scores;
CREATE INDEX score_times_time ON score_times (time);
ALTER TABLE scores DROP CONSTRAINT scores_pkey;
DROP INDEX scores_time;
ALTER TABLE scores ALTER COLUMN components DROP NOT NULL;
ALTER TABLE scores ADD COLUMN components_packed BYTEA;
ALTER TABLE scores ADD CONSTRAINT scores_components CHECK ((components IS NULL) <> (components_packed IS NULL));

-- Wallet addresses interned: a score row carries the wallet's small integer id, not its 42-character
-- address. A score tick rewrites every wallet whose percentile moved (about a thousand rows a tick
-- on the 2,000-wallet bench), and inserting into the (wallet, time, id) index keyed by the address
-- was most of the writer's time: measured 2-3x cheaper keyed by the id.
CREATE TABLE wallets (
  id INTEGER PRIMARY KEY,
  address TEXT NOT NULL UNIQUE
);
INSERT INTO wallets (address) SELECT wallet FROM scores GROUP BY wallet ORDER BY MIN(id);

CREATE TABLE scores_by_wallet_id (
  id INTEGER PRIMARY KEY,
  wallet_id INTEGER NOT NULL,
  time INTEGER NOT NULL,
  score REAL NOT NULL,
  confidence REAL NOT NULL,
  trades INTEGER NOT NULL,
  components TEXT NOT NULL
);
INSERT INTO scores_by_wallet_id (id, wallet_id, time, score, confidence, trades, components)
  SELECT s.id, w.id, s.time, s.score, s.confidence, s.trades, s.components FROM scores s JOIN wallets w ON w.address = s.wallet;
DROP TABLE scores;
ALTER TABLE scores_by_wallet_id RENAME TO scores;
CREATE INDEX scores_wallet_time ON scores (wallet_id, time, id);
CREATE INDEX scores_time ON scores (time);

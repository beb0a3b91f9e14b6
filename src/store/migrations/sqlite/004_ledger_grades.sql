-- The accuracy ledger's grades (src/engine/ledger, docs/ledger.md): one row per graded event,
-- written by the recorder in the batch of the line that graded it, in grade order (id). A grade
-- reads no market data past horizon_end, so a point-in-time read at `at` sees the grades with
-- horizon_end <= at. `grade` is the Grade as JSON.
CREATE TABLE ledger_grades (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  type TEXT NOT NULL,
  coin TEXT NOT NULL,
  time INTEGER NOT NULL,
  horizon_end INTEGER NOT NULL,
  hit INTEGER NOT NULL,
  baseline REAL,
  grade TEXT NOT NULL
);
CREATE INDEX ledger_grades_horizon ON ledger_grades (horizon_end);
CREATE INDEX ledger_grades_event ON ledger_grades (event_id);

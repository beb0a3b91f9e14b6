-- The id a source's first event got: a store can hold several sources one after another, and a
-- resumed run must number its events from where its own first run started.
ALTER TABLE ingest_cursor ADD COLUMN first_event_id INTEGER NOT NULL DEFAULT 1;

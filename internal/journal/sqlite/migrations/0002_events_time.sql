-- Retention (journal.keep_events) deletes events by age.
CREATE INDEX IF NOT EXISTS events_time ON events(time);

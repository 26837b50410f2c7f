-- Handled inbox rows are the ids of consumed events; purged after retention.consumed_events.
CREATE INDEX inbox_handled ON inbox (received_at) WHERE status <> 'PENDING';

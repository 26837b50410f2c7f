-- Purged after retention.consumed_events / retention.tombstones; these find the rows without a scan.
CREATE INDEX consumed_event_at ON consumed_event (at);
CREATE INDEX cancelled_order_at ON cancelled_order (at);
CREATE INDEX reservation_tombstones ON reservation (updated_at) WHERE status = 'RELEASED' AND order_id IS NULL;

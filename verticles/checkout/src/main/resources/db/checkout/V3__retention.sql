-- Finished sagas (and their log) are purged after retention.sagas; this finds them without a scan.
CREATE INDEX sagas_finished ON sagas (updated_at) WHERE state IN ('PAID', 'CANCELLED');

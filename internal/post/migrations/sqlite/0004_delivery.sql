-- Delivery's bookkeeping on each notification, and the rate limiter's
-- state per sending service and channel.

-- dispatch_at: when a provider call began whose outcome is not recorded
-- yet (0: none). A run that finds it set knows an earlier run stopped
-- mid-send and must not send again to a provider that cannot tell a
-- repeat. rate_slot: the moment the rate limiter gave the message to go.
ALTER TABLE post_notifications ADD COLUMN dispatch_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE post_notifications ADD COLUMN rate_slot BIGINT NOT NULL DEFAULT 0;
CREATE INDEX post_notifications_provider_ref ON post_notifications (provider, provider_ref) WHERE provider_ref <> '';

-- The generic cell rate algorithm's "theoretical arrival time" per
-- service and channel, in microseconds: one row read and written per
-- message, and each held-back message gets its own slot.
CREATE TABLE post_rate_limits (
    service_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    tat_us     BIGINT NOT NULL,
    PRIMARY KEY (service_id, kind)
);

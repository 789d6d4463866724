-- channel_reason: why staff sent a message by another channel than the
-- one the person prefers (sending from a case asks for it), kept with the
-- message and shown on its page; '' when it went by their preferred
-- channel or they have none.
ALTER TABLE post_notifications ADD COLUMN channel_reason TEXT NOT NULL DEFAULT '';

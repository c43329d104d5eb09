-- Why an announcement waits, when a moderator has something to do about it (bot/resources/delivery.py):
-- 'forbidden': Discord answered 403, the bot lacks a permission in channel_id (still retried);
-- 'rejected': Discord answered 400, it refused the message itself (parked, not retried).
-- NULL otherwise: just queued, a network error, a rate limit, a deleted channel (state 'parked').
ALTER TABLE outbox ADD COLUMN reason TEXT CHECK (reason IN ('forbidden', 'rejected'));

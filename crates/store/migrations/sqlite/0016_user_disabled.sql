-- An administrator disables an account (and enables it again): a disabled user cannot sign
-- in, and the sessions it had end with the change.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

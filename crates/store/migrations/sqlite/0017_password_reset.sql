-- An administrator resets a password: the user signs in with the temporary one once and
-- must choose a new one then.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

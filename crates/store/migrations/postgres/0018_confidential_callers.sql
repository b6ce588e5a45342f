-- A caller may ask to stay unknown to the units (保密, GB/T 33358): only the hub's operators
-- and supervisors then read the name and phone in clear. Requests split from one call share
-- their intake row; the index finds a request's siblings.
ALTER TABLE requests ADD COLUMN caller_confidential BIGINT NOT NULL DEFAULT 0;
CREATE INDEX requests_intake ON requests(intake_id);
-- The personal-data audit is read by request (its serial is the target) and by user.
CREATE INDEX audit_log_target ON audit_log(target, at);
CREATE INDEX audit_log_user ON audit_log(user_id, at);

-- Idempotency-Key records of the API (IETF httpapi idempotency-key draft), shared by every silo.
-- A row is claimed (response columns null) when a request starts and completed with its response;
-- rows past expires_at are dead and deleted by a periodic cleanup in every silo.
CREATE TABLE IF NOT EXISTS idempotency_keys
(
    scope           text        NOT NULL,
    idempotency_key text        NOT NULL,
    fingerprint     text        NOT NULL,
    locked_at       timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    completed_at    timestamptz NULL,
    status_code     integer     NULL,
    content_type    text        NULL,
    location        text        NULL,
    body            bytea       NULL,
    CONSTRAINT idempotency_keys_pk PRIMARY KEY (scope, idempotency_key)
);

CREATE INDEX IF NOT EXISTS idempotency_keys_expires_at ON idempotency_keys (expires_at);

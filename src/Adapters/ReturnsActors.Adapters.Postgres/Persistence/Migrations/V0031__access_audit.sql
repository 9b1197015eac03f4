-- Who called the API, what, when and how it ended (issue 17 item 3), per tenant; rows older than the tenant's retention
-- (access_audit_settings, else the silo's Audit:AccessRetentionDays) are deleted by the silos' pruner.
CREATE TABLE IF NOT EXISTS access_audit
(
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   text,
    at          timestamptz NOT NULL,
    subject     text        NOT NULL,
    key_id      text,
    method      text        NOT NULL,
    route       text        NOT NULL,
    path        text        NOT NULL,
    action      text,
    status      integer     NOT NULL,
    outcome     text        NOT NULL,
    duration_ms integer     NOT NULL,
    remote_ip   text
);

CREATE INDEX IF NOT EXISTS access_audit_tenant_id_ix ON access_audit (tenant_id, id DESC);
CREATE INDEX IF NOT EXISTS access_audit_at_ix ON access_audit (at);

CREATE TABLE IF NOT EXISTS access_audit_settings
(
    tenant_id      text    NOT NULL PRIMARY KEY,
    retention_days integer NOT NULL CHECK (retention_days BETWEEN 1 AND 3650)
);

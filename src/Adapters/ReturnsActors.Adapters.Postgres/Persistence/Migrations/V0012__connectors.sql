-- Outbound connectors (customer email notifications, ERP posting). Each (tenant, channel) reads its tenant's events from
-- rma_events after its own checkpoint, in the projector's (tx_id, position) order, like a webhook subscription; the checkpoint
-- is stored right after each event was sent, so a restarted silo does not send it again. failed_attempts / next_attempt_at
-- carry the durable backoff across restarts.
CREATE TABLE IF NOT EXISTS connector_checkpoints
(
    tenant_id           text        NOT NULL,
    channel             text        NOT NULL,
    checkpoint_tx       xid8        NOT NULL,
    checkpoint_position bigint      NOT NULL DEFAULT 0,
    failed_attempts     integer     NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT '-infinity',
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT connector_checkpoints_pk PRIMARY KEY (tenant_id, channel)
);

-- When each channel was first switched on: older events are not sent.
CREATE TABLE IF NOT EXISTS connector_channels
(
    channel    text        NOT NULL,
    enabled_at timestamptz NOT NULL,
    CONSTRAINT connector_channels_pk PRIMARY KEY (channel)
);

-- Tenants' own email templates per language and milestone (PUT /v1/notifications/templates/{language}/{eventType}).
CREATE TABLE IF NOT EXISTS notification_templates
(
    tenant_id  text        NOT NULL,
    language   text        NOT NULL,
    event_type text        NOT NULL,
    subject    text        NOT NULL,
    body       text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notification_templates_pk PRIMARY KEY (tenant_id, language, event_type)
);

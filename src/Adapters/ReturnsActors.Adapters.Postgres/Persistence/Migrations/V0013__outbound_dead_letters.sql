-- Dead letters of outbound deliveries (a webhook dead letter is known by its event id, the webhook-id header): an event whose delivery failed Webhooks:MaxAttempts times is parked here with its last
-- status and error, and the subscription (or connector channel) moves on. status: dead (parked), queued (a replay was asked
-- for; the dispatcher sends it), replayed (a replay was accepted). Replayed rows are pruned after Webhooks:RetentionHours.

-- A subscription's failing streak: set at the first failure after a success, cleared by a success. A streak longer than
-- Webhooks:DisableAfterHours disables the subscription.
ALTER TABLE webhook_subscriptions ADD COLUMN IF NOT EXISTS failing_since timestamptz NULL;

ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS dead_lettered boolean NOT NULL DEFAULT false;
ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS replay boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS webhook_deliveries_attempted_ix ON webhook_deliveries (attempted_at);

CREATE TABLE IF NOT EXISTS webhook_dead_letters
(
    tenant_id       text        NOT NULL,
    subscription_id text        NOT NULL,
    event_id        text        NOT NULL,
    event_type      text        NOT NULL,
    rma_id          text        NOT NULL,
    seq             bigint      NOT NULL,
    payload         text        NOT NULL,
    attempts        integer     NOT NULL,
    status_code     integer     NULL,
    error           text        NULL,
    dead_at         timestamptz NOT NULL,
    status          text        NOT NULL DEFAULT 'dead',
    replayed_at     timestamptz NULL,
    CONSTRAINT webhook_dead_letters_pk PRIMARY KEY (tenant_id, subscription_id, event_id),
    CONSTRAINT webhook_dead_letters_subscription_fk FOREIGN KEY (tenant_id, subscription_id)
        REFERENCES webhook_subscriptions (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX IF NOT EXISTS webhook_dead_letters_queued_ix ON webhook_dead_letters (tenant_id, subscription_id) WHERE status = 'queued';

ALTER TABLE connector_checkpoints ADD COLUMN IF NOT EXISTS last_error text NULL;

CREATE TABLE IF NOT EXISTS connector_dead_letters
(
    tenant_id   text        NOT NULL,
    channel     text        NOT NULL,
    id          text        NOT NULL,
    rma_id      text        NOT NULL,
    seq         bigint      NOT NULL,
    event_type  text        NOT NULL,
    occurred_at timestamptz NOT NULL,
    data_json   text        NOT NULL,
    attempts    integer     NOT NULL,
    error       text        NULL,
    dead_at     timestamptz NOT NULL,
    status      text        NOT NULL DEFAULT 'dead',
    replayed_at timestamptz NULL,
    CONSTRAINT connector_dead_letters_pk PRIMARY KEY (tenant_id, channel, id),
    CONSTRAINT connector_dead_letters_event_uq UNIQUE (tenant_id, channel, rma_id, seq)
);

CREATE INDEX IF NOT EXISTS connector_dead_letters_queued_ix ON connector_dead_letters (tenant_id, channel) WHERE status = 'queued';

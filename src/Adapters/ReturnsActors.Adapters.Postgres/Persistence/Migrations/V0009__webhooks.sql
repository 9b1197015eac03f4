-- Outbound webhook subscriptions, each with its own checkpoint in rma_events: (checkpoint_tx, checkpoint_position) in the
-- projector's (tx_id, position) order. The checkpoint moves past an event only after a 2xx (or when the subscription does not
-- want the event). Secrets are kept to sign with; the previous one signs too until previous_secret_expires_at.
CREATE TABLE IF NOT EXISTS webhook_subscriptions
(
    tenant_id                  text        NOT NULL,
    id                         text        NOT NULL,
    url                        text        NOT NULL,
    event_types                text[]      NOT NULL,
    description                text        NULL,
    status                     text        NOT NULL DEFAULT 'active',
    disabled_reason            text        NULL,
    secret                     text        NOT NULL,
    previous_secret            text        NULL,
    previous_secret_expires_at timestamptz NULL,
    secret_rotated_at          timestamptz NULL,
    created_at                 timestamptz NOT NULL,
    checkpoint_tx              xid8        NOT NULL,
    checkpoint_position        bigint      NOT NULL DEFAULT 0,
    failed_attempts            integer     NOT NULL DEFAULT 0,
    next_attempt_at            timestamptz NOT NULL DEFAULT '-infinity',
    CONSTRAINT webhook_subscriptions_pk PRIMARY KEY (tenant_id, id)
);

CREATE INDEX IF NOT EXISTS webhook_subscriptions_due_ix ON webhook_subscriptions (next_attempt_at) WHERE status = 'active';

-- Every delivery attempt, per subscription.
CREATE TABLE IF NOT EXISTS webhook_deliveries
(
    tenant_id       text        NOT NULL,
    subscription_id text        NOT NULL,
    id              bigint      GENERATED ALWAYS AS IDENTITY,
    event_id        text        NOT NULL,
    event_type      text        NOT NULL,
    rma_id          text        NOT NULL,
    seq             bigint      NOT NULL,
    attempt         integer     NOT NULL,
    delivered       boolean     NOT NULL,
    status_code     integer     NULL,
    error           text        NULL,
    attempted_at    timestamptz NOT NULL,
    next_attempt_at timestamptz NULL,
    CONSTRAINT webhook_deliveries_pk PRIMARY KEY (tenant_id, subscription_id, id),
    CONSTRAINT webhook_deliveries_subscription_fk FOREIGN KEY (tenant_id, subscription_id)
        REFERENCES webhook_subscriptions (tenant_id, id) ON DELETE CASCADE
);

-- A tenant's events after a checkpoint, in (tx_id, position) order.
CREATE INDEX IF NOT EXISTS rma_events_tenant_tx_ix ON rma_events (tenant_id, tx_id, position);

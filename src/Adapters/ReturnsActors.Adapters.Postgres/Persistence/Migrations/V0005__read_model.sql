-- Which transaction wrote each event: projections read in (tx_id, position) order and only from transactions
-- older than every one still running, so an event committed late with a lower position is never skipped.
ALTER TABLE rma_events ADD COLUMN IF NOT EXISTS tx_id xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX IF NOT EXISTS rma_events_tx_ix ON rma_events (tx_id, position);

CREATE TABLE IF NOT EXISTS projection_checkpoints
(
    name       text        NOT NULL PRIMARY KEY,
    tx_id      xid8        NOT NULL DEFAULT '0',
    position   bigint      NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO projection_checkpoints (name) VALUES ('rma_read') ON CONFLICT (name) DO NOTHING;

-- Returns as lists and searches see them; one row per return, projected from the event log.
CREATE TABLE IF NOT EXISTS rma_read
(
    tenant_id        text          NOT NULL,
    rma_id           text          NOT NULL,
    order_id         text          NOT NULL,
    channel          text          NOT NULL,
    status           text          NOT NULL,
    on_hold          boolean       NOT NULL,
    warehouse        text          NULL,
    reason_classes   text[]        NOT NULL,
    sla_state        text          NOT NULL,
    next_due_at      timestamptz   NULL,
    settlement_total numeric(18,2) NULL,
    currency         char(3)       NULL,
    created_at       timestamptz   NOT NULL,
    updated_at       timestamptz   NOT NULL,
    version          bigint        NOT NULL,
    CONSTRAINT rma_read_pk PRIMARY KEY (tenant_id, rma_id)
);

CREATE INDEX IF NOT EXISTS rma_read_created_ix ON rma_read (tenant_id, created_at DESC, rma_id DESC);
CREATE INDEX IF NOT EXISTS rma_read_status_ix ON rma_read (tenant_id, status, created_at DESC);
CREATE INDEX IF NOT EXISTS rma_read_sla_ix ON rma_read (tenant_id, sla_state, next_due_at);

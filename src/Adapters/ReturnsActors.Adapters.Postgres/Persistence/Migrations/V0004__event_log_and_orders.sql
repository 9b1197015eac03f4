-- The append-only audit trail of every return, hash-chained per RMA by the grain, idempotent by (tenant, rma, seq).
-- data_json keeps the exact text the hash was computed over; position gives projections a global order.
CREATE TABLE IF NOT EXISTS rma_events
(
    tenant_id      text        NOT NULL,
    rma_id         text        NOT NULL,
    seq            bigint      NOT NULL,
    type           text        NOT NULL,
    occurred_at    timestamptz NOT NULL,
    actor          text        NOT NULL,
    command_id     text        NOT NULL,
    policy_version integer     NOT NULL,
    rule_ids       text[]      NOT NULL,
    data_json      text        NOT NULL,
    prev_hash      text        NOT NULL,
    hash           text        NOT NULL,
    position       bigint      GENERATED ALWAYS AS IDENTITY,
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT rma_events_pk PRIMARY KEY (tenant_id, rma_id, seq)
);

CREATE UNIQUE INDEX IF NOT EXISTS rma_events_position_ix ON rma_events (position);
CREATE INDEX IF NOT EXISTS rma_events_type_ix ON rma_events (tenant_id, type, occurred_at);

-- Immutable: rows are inserted, never changed or removed.
CREATE OR REPLACE FUNCTION ra_rma_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
    RAISE EXCEPTION 'rma_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$f$;

DROP TRIGGER IF EXISTS rma_events_immutable ON rma_events;
CREATE TRIGGER rma_events_immutable BEFORE UPDATE OR DELETE ON rma_events
    FOR EACH ROW EXECUTE FUNCTION ra_rma_events_immutable();

-- The order catalog returns are checked against (the ERP adapter is the later real source).
CREATE TABLE IF NOT EXISTS orders
(
    tenant_id     text        NOT NULL,
    order_id      text        NOT NULL,
    channel       text        NOT NULL,
    delivered_at  timestamptz NOT NULL,
    currency      char(3)     NOT NULL,
    business_unit text        NULL,
    loaded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orders_pk PRIMARY KEY (tenant_id, order_id)
);

CREATE TABLE IF NOT EXISTS order_lines
(
    tenant_id      text          NOT NULL,
    order_id       text          NOT NULL,
    order_line_id  text          NOT NULL,
    sku            text          NOT NULL,
    category       text          NOT NULL,
    quantity       integer       NOT NULL CHECK (quantity > 0),
    unit_price     numeric(18,4) NOT NULL CHECK (unit_price >= 0),
    serial_numbers text[]        NOT NULL DEFAULT '{}',
    CONSTRAINT order_lines_pk PRIMARY KEY (tenant_id, order_id, order_line_id),
    CONSTRAINT order_lines_order_fk FOREIGN KEY (tenant_id, order_id) REFERENCES orders (tenant_id, order_id) ON DELETE CASCADE
);

-- Log epochs: subscribers order the event log by (epoch, tx_id, position), not by (tx_id, position) alone. tx_id is a transaction id
-- of the PostgreSQL cluster that wrote the row, and a dump restored into another cluster (or a move to a managed service) restarts
-- transaction ids below the old ones: new rows would sort before the subscribers' checkpoints and be skipped. When ra_log_rebase()
-- finds that the database runs on another cluster than the one recorded (system_identifier), or holds transaction ids the cluster
-- has not handed out yet, it opens a new epoch: every row and checkpoint written before sorts before every row written after.
CREATE TABLE IF NOT EXISTS ra_log_epochs
(
    epoch             integer     NOT NULL PRIMARY KEY,
    system_identifier bigint      NOT NULL,
    started_at        timestamptz NOT NULL DEFAULT now(),
    reason            text        NOT NULL
);

CREATE OR REPLACE FUNCTION ra_log_epoch() RETURNS integer LANGUAGE sql STABLE AS $f$
    SELECT coalesce(max(epoch), 1) FROM ra_log_epochs
$f$;

-- Existing rows and checkpoints are epoch 1 (a constant default: no table rewrite); rows written from now on take the current epoch.
ALTER TABLE rma_events ADD COLUMN IF NOT EXISTS epoch integer NOT NULL DEFAULT 1;
ALTER TABLE rma_events ALTER COLUMN epoch SET DEFAULT ra_log_epoch();
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS epoch integer NOT NULL DEFAULT 1;
ALTER TABLE webhook_subscriptions ADD COLUMN IF NOT EXISTS checkpoint_epoch integer NOT NULL DEFAULT 1;
ALTER TABLE connector_checkpoints ADD COLUMN IF NOT EXISTS checkpoint_epoch integer NOT NULL DEFAULT 1;

CREATE INDEX IF NOT EXISTS rma_events_log_ix ON rma_events (epoch, tx_id, position);
CREATE INDEX IF NOT EXISTS rma_events_tenant_log_ix ON rma_events (tenant_id, epoch, tx_id, position);
DROP INDEX IF EXISTS rma_events_tx_ix;
DROP INDEX IF EXISTS rma_events_tenant_tx_ix;

-- Opens a new epoch when the current one's transaction ids do not belong to this cluster; returns the current epoch. Run by every
-- migrate and at every silo start, before anything is appended.
CREATE OR REPLACE FUNCTION ra_log_rebase() RETURNS integer LANGUAGE plpgsql AS $f$
DECLARE
    here          bigint := (SELECT system_identifier FROM pg_control_system());
    -- No transaction of this cluster that wrote a visible row has an id at or above xmax.
    unassigned    xid8 := pg_snapshot_xmax(pg_current_snapshot());
    current_epoch integer;
    recorded      bigint;
    why           text;
BEGIN
    LOCK TABLE ra_log_epochs IN EXCLUSIVE MODE;
    SELECT epoch, system_identifier INTO current_epoch, recorded FROM ra_log_epochs ORDER BY epoch DESC LIMIT 1;
    IF current_epoch IS NULL THEN
        -- First run: the log so far is epoch 1, written (as far as anyone can tell) on this cluster.
        current_epoch := 1;
        recorded := here;
        INSERT INTO ra_log_epochs (epoch, system_identifier, reason) VALUES (1, here, 'first epoch');
    END IF;

    IF recorded <> here THEN
        why := format('moved from cluster %s to cluster %s', recorded, here);
    ELSIF EXISTS (SELECT 1 FROM rma_events WHERE epoch = current_epoch AND tx_id >= unassigned)
       OR EXISTS (SELECT 1 FROM projection_checkpoints WHERE epoch = current_epoch AND tx_id >= unassigned)
       OR EXISTS (SELECT 1 FROM webhook_subscriptions WHERE checkpoint_epoch = current_epoch AND checkpoint_tx >= unassigned)
       OR EXISTS (SELECT 1 FROM connector_checkpoints WHERE checkpoint_epoch = current_epoch AND checkpoint_tx >= unassigned) THEN
        why := format('transaction ids above this cluster''s next one (%s)', unassigned);
    END IF;

    IF why IS NULL THEN
        RETURN current_epoch;
    END IF;

    INSERT INTO ra_log_epochs (epoch, system_identifier, reason) VALUES (current_epoch + 1, here, why);
    RETURN current_epoch + 1;
END
$f$;

SELECT ra_log_rebase();

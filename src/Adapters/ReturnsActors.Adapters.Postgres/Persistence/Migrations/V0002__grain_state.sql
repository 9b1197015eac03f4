-- Grain state for Microsoft.Orleans.Persistence.AdoNet, written for its query contract:
--   parameters @GrainIdHash int, @GrainIdN0 bigint, @GrainIdN1 bigint, @GrainTypeHash int,
--   @GrainTypeString text, @GrainIdExtensionString text (null for non-string keys), @ServiceId text,
--   @GrainStateVersion int (null when the grain holds no ETag), @PayloadBinary bytea;
--   read returns (PayloadBinary, Version); write returns NewGrainStateVersion (null on an ETag conflict);
--   clear and delete return the new version in their first column.
-- A row is identified by (service, grain type, id); the hashes are kept for partitioning and diagnostics.
-- The payload is UTF-8 JSON written by System.Text.Json: no CLR type names are stored.
CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id      text        NOT NULL,
    grain_type      text        NOT NULL,
    grain_id_n0     bigint      NOT NULL,
    grain_id_n1     bigint      NOT NULL,
    grain_id_ext    text        NOT NULL DEFAULT '',
    grain_type_hash integer     NOT NULL,
    grain_id_hash   integer     NOT NULL,
    payload         bytea       NULL,
    version         integer     NOT NULL,
    modified_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orleans_grain_state_pk PRIMARY KEY (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT payload AS "PayloadBinary", version AS "Version"
FROM orleans_grain_state
WHERE service_id = @ServiceId
  AND grain_type = @GrainTypeString
  AND grain_id_n0 = @GrainIdN0
  AND grain_id_n1 = @GrainIdN1
  AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
  AND grain_type_hash = @GrainTypeHash
  AND grain_id_hash = @GrainIdHash
$q$),
('WriteToStorageKey', $q$
WITH inserted AS (
    INSERT INTO orleans_grain_state
        (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_ext, grain_type_hash, grain_id_hash, payload, version, modified_at)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(CAST(@GrainIdExtensionString AS text), ''),
           @GrainTypeHash, @GrainIdHash, @PayloadBinary, 1, now()
    WHERE CAST(@GrainStateVersion AS integer) IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version
), updated AS (
    UPDATE orleans_grain_state
    SET payload = @PayloadBinary, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId
      AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
      AND version = CAST(@GrainStateVersion AS integer)
    RETURNING version
)
SELECT CAST(COALESCE((SELECT version FROM inserted), (SELECT version FROM updated)) AS integer) AS "NewGrainStateVersion"
$q$),
('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE orleans_grain_state
    SET payload = NULL, version = version + 1, modified_at = now()
    WHERE service_id = @ServiceId
      AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
      AND version = CAST(@GrainStateVersion AS integer)
      AND grain_type_hash = @GrainTypeHash
      AND grain_id_hash = @GrainIdHash
    RETURNING version
)
SELECT CAST((SELECT version FROM cleared) AS integer) AS "NewGrainStateVersion"
$q$),
('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM orleans_grain_state
    WHERE service_id = @ServiceId
      AND grain_type = @GrainTypeString
      AND grain_id_n0 = @GrainIdN0
      AND grain_id_n1 = @GrainIdN1
      AND grain_id_ext = COALESCE(CAST(@GrainIdExtensionString AS text), '')
      AND version = CAST(@GrainStateVersion AS integer)
      AND grain_type_hash = @GrainTypeHash
      AND grain_id_hash = @GrainIdHash
    RETURNING version
)
SELECT CAST((SELECT version + 1 FROM deleted) AS integer) AS "NewGrainStateVersion"
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

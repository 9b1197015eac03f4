-- The ASP.NET Core Data Protection key ring (it encrypts partner signing secrets at rest), shared by every silo of the cluster.
-- One row per key document, named by Data Protection ("key-<guid>"); rows are only added, never changed.
CREATE TABLE IF NOT EXISTS data_protection_keys
(
    friendly_name text        NOT NULL,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT data_protection_keys_pk PRIMARY KEY (friendly_name)
);

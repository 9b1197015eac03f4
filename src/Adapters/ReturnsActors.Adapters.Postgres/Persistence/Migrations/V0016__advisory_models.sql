-- Advisory model artifacts (issue 9): every trained version with its manifest (plain JSON, as written) and the artifact zip
-- (ML.NET models of the advisor and the triage), the last evaluation the operator ran, and which version is active per model.
-- Every silo of the cluster loads the active version; `advisory train` / `advisory activate` change it.
CREATE TABLE IF NOT EXISTS advisory_models
(
    version         text        NOT NULL,
    manifest_json   text        NOT NULL,
    artifact        bytea       NOT NULL,
    evaluation_json text        NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT advisory_models_pk PRIMARY KEY (version)
);

CREATE TABLE IF NOT EXISTS advisory_active_models
(
    model        text        NOT NULL,
    version      text        NOT NULL REFERENCES advisory_models (version),
    activated_at timestamptz NOT NULL,
    CONSTRAINT advisory_active_models_pk PRIMARY KEY (model)
);

-- A tenant's notification settings (PUT /v1/notifications/settings): the language a customer's mail falls back to when neither the
-- customer's language tag nor its base language has a template, before en.
CREATE TABLE IF NOT EXISTS notification_settings
(
    tenant_id        text        NOT NULL,
    default_language text        NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT notification_settings_pk PRIMARY KEY (tenant_id)
);

-- The customer of an order, as the shop or ERP identifies them; copied onto each return and searchable.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS customer_id text NULL;
ALTER TABLE rma_read ADD COLUMN IF NOT EXISTS customer_id text NULL;
CREATE INDEX IF NOT EXISTS rma_read_customer_ix ON rma_read (tenant_id, customer_id, created_at DESC) WHERE customer_id IS NOT NULL;

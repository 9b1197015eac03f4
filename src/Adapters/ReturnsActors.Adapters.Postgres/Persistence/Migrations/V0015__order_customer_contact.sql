-- How to reach the customer of an order and what they are entitled to: notifications read the contact from the order at send
-- time (so no e-mail address is written into the immutable event log), advisory reads the tier and each line's warranty.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS customer_email text NULL;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS customer_language text NULL;
ALTER TABLE orders ADD COLUMN IF NOT EXISTS customer_tier text NULL;
ALTER TABLE order_lines ADD COLUMN IF NOT EXISTS warranty_months integer NULL;

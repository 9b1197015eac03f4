-- Warehouses and suppliers (issue 4): the customer's region on an order routes its returns to a warehouse that
-- serves it; the supplier of an order line is who a defective unit is claimed back from. Both optional.
ALTER TABLE orders ADD COLUMN IF NOT EXISTS region text NULL;
ALTER TABLE order_lines ADD COLUMN IF NOT EXISTS supplier_id text NULL;

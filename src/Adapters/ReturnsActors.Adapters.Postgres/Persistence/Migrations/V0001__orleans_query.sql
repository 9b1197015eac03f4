-- Named queries the Orleans ADO.NET providers read at start ("SELECT QueryKey, QueryText FROM OrleansQuery").
-- Unquoted identifiers fold to lower case; the providers read the columns by name, case-insensitively.
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

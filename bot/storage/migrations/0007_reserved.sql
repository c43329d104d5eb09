-- Reserved: another branch's migration takes number 7. When it lands, delete this file (its
-- own 0007 replaces it); a database is never migrated with this placeholder in production.
SELECT 1;

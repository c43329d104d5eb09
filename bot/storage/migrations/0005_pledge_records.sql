-- Reserved: the pledge records migration of another branch takes number 5 and replaces this file
-- when the branches meet (same name, so git reports the conflict instead of keeping both).
SELECT 1;

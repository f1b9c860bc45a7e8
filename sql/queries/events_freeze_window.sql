-- Freeze the window's event partition once its rows are in (it is written once, rewritten only
-- by a rerun of its window): all-visible, its index-only scans skip the table (the next nights'
-- check for repeated event ids reads the partitions of the last attribution window by their
-- primary key), and its rows need no vacuum again. Without it, a server whose autovacuum has
-- not reached the partition yet reads every row's table page for every index entry.
vacuum (freeze) {target};

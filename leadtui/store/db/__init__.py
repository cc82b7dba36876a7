"""The database underneath: engine, the SQLite file, faults, the change feed, schema and migrations."""

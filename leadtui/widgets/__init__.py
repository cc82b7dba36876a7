"""The shared pieces of the console: the one virtual record table, the status line."""

"""The rules: auto-assign rules per pool, and the runs that recycle, warn and retry."""

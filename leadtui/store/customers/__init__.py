"""Customers: the lists and batch actions, creating by hand with its duplicate check, merging."""

"""Pools and public seas: settings and membership, holding rules, the pool actions."""

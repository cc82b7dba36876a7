"""Demo data: a realistic, repeatable world. It uses the store; nothing uses it."""

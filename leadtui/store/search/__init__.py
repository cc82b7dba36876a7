"""Lead search: the engine, its gram index, and the naive way it is compared with."""

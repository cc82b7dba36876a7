"""Everything about data and the rules of the business. No Textual import here.

This package's __init__ stays empty so that `leadtui.store.records` (plain
dataclasses) can be imported by screens without pulling in SQLAlchemy.
"""

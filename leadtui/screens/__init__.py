"""One module per screen, plus the dialogs. No SQLAlchemy here: screens talk to the
store through the app's `Store` object and see only the records it returns."""

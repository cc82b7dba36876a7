"""Leads: lists and detail, editing, intake of new leads, conversion to customers."""

"""Files in and out: reading and writing xlsx and csv safely. Formats, no business rules."""

"""Export and import of leads as rows: what goes out, what comes in; no file formats."""

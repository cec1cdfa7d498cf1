"""Mobile sync: the change feed (the `change` table and its readers; editing writes it), the export and the changes."""

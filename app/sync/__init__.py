"""Mobile sync: the change feed (the `change` table and its readers), the export and the changes."""

"""The bottom layer: settings, the database, errors, the edge and its own stages, the HTTP server protocol,
media types and prepared representations, OpenAPI and HTML pages, the typed services, logs, health and the
watchdog."""

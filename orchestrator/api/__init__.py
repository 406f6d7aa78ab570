"""The HTTP edge: REST, server-sent events and web pages."""

"""The HTTP API: a thin layer over the platform's services (routing, errors, auth)."""

"""The bundled demo: a realistic corpus, users and events built from what packages ship."""

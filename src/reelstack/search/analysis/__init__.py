"""Text analysis for search: documents into index fields, queries into terms and signals."""

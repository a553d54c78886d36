"""Search: query understanding, hybrid multilingual and cross-modal retrieval, ranking, suggest."""

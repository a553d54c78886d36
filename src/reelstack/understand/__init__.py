"""Understand: turns every ingested post into features (keyframes, concepts, text, embeddings)."""

# Published by ``UnderstandService.run`` after each processed chunk: {"item_ids": [...]}.
# Here, not in ``service``, so subscribers need not import the pipeline to name it.
UNDERSTOOD_TOPIC = "items.understood"

"""House coordinates: the address table, its fuzzy search and reverse lookup, and its import."""

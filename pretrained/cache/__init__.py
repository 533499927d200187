"""The cache: where every file lives, entries (vectors.npy, norms, vocabulary, meta.json), locks, atomic writes, hashes, listing, verify and prune."""

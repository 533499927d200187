"""The cache: where every file lives, entries (vectors.npy, norms, vocabulary, meta.json), locks, atomic writes, hashes, listing, verify and prune.

Public modules (what they define is re-exported from ``pretrained`` or this package): none. Internal
modules (their names may change; import from ``pretrained`` instead): ``atomic``, ``entries``,
``folder``, ``hashes``, ``locking``.
"""

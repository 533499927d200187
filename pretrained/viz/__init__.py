"""Pictures of a space: 2-D projections, maps, the Embedding Projector export and the explorer page.

Public modules (what they define is re-exported from ``pretrained`` or this package): ``explore``,
``plot``, ``projector_export``. Internal modules (their names may change; import from ``pretrained``
instead): ``projection``.
"""

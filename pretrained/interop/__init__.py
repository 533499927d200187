"""Your own embeddings and your models: embedding-layer matrices, Keras/PyTorch layers, bring, save, train, compare, embed texts.

Public modules (what they define is re-exported from ``pretrained`` or this package): ``bring``,
``compare``, ``layers``, ``matrix``, ``saving``, ``texts``, ``train``. Internal modules (their names
may change; import from ``pretrained`` instead): none.
"""

"""The object users hold: ``Vectors``, gensim's query methods, fastText subwords, and the one scoring layer.

Public modules (what they define is re-exported from ``pretrained`` or this package): ``vectors``.
Internal modules (their names may change; import from ``pretrained`` instead): ``fasttext``,
``keyed``, ``results``, ``scoring``.
"""

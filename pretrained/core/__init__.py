"""The object users hold: ``Vectors``, gensim's query methods, fastText subwords, and the one scoring layer."""

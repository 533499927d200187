"""Your own embeddings and your models: embedding-layer matrices, Keras/PyTorch layers, bring, save, train, compare, embed texts."""

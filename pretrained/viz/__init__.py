"""Pictures of a space: 2-D projections, maps, the Embedding Projector export and the explorer page."""

"""Width studies: the coordinate check and learning-rate transfer, and their records."""

"""The data sets as whole tensors: images, text, splits."""

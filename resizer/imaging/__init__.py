"""Pillow, bytes in, bytes out: the pipeline and its steps."""

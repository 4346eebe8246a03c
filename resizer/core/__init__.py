"""The imaging service's core: errors, the URL grammar, policy and formats. No Django, no Pillow, no I/O."""

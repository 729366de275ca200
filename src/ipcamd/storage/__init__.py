"""Local storage: the ``Storage`` parameter group.

The storage family's disk, recorder, recordings index and storage CGIs extend this package.
"""

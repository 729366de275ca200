"""Local storage: the ``Storage`` parameter group.

Nothing records yet, so ``Properties.LocalStorage.LocalStorage`` says ``no``; the storage
family's disk, recorder, recordings index and storage CGIs extend this package.
"""

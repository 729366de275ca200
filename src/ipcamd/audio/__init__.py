"""Audio: the ``Audio``, ``AudioSource`` and ``Audiod`` parameter groups.

The audio family's sources, codecs and ``audio/*.cgi`` extend this package.
"""

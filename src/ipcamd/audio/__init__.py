"""Audio: the ``Audio``, ``AudioSource`` and ``Audiod`` parameter groups.

No audio is served yet, so ``Properties.Audio.Audio`` says ``no``; the audio family's sources,
codecs and ``audio/*.cgi`` extend this package.
"""

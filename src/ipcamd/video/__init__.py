"""Video: sources feed cameras; stream profiles render and encode frames for viewers.

The hot path (see ``docs/architecture.md``): a camera keeps only its latest frame; a stream
profile encodes that frame at most once for all its viewers; slow viewers skip frames.
"""

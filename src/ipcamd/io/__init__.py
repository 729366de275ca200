"""Inputs and outputs: the ``IOPort``, ``Input`` and ``Output`` parameter groups.

No port can be read or switched yet, so ``Properties.IO`` counts none; the I/O family's ports,
pulse sequences, virtual inputs and ``io/*.cgi`` extend this package.
"""

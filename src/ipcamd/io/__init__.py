"""Inputs and outputs: the ``IOPort``, ``Input`` and ``Output`` parameter groups.

The I/O family's ports, pulse sequences, virtual inputs and ``io/*.cgi`` extend this package.
"""

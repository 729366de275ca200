"""Motion detection: the ``Motion`` window template.

The motion family's detector and ``motion/motiondata.cgi`` extend this package.
"""

"""Motion detection: the ``Motion`` window template.

Nothing detects motion yet, so ``Properties.Motion.Motion`` says ``no``; the motion family's
detector and ``motion/motiondata.cgi`` extend this package.
"""

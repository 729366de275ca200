"""Pan, tilt and zoom: the ``PTZ`` and ``GuardTour`` parameter groups and the preset template.

Nothing moves a camera yet, so ``Properties.PTZ.PTZ`` says ``no``; the PTZ family's drivers,
presets and ``com/ptz.cgi`` extend this package.
"""

"""Pan, tilt and zoom: the ``PTZ`` and ``GuardTour`` parameter groups and the preset template.

The PTZ family's drivers, presets and ``com/ptz.cgi`` extend this package.
"""

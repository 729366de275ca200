"""Pan, tilt and zoom: drivers behind one small interface (digital PTZ over the camera's view,
Pelco-D over a serial line), the heads that run them, presets, guard tours, and the ``PTZ`` and
``GuardTour`` parameter groups.

``com/ptz.cgi`` and ``com/ptzconfig.cgi`` (``ipcamd.http.ptz_cgi``) call :class:`PTZService`.
"""

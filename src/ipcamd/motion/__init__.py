"""Motion detection: windows (``Motion.M<n>``, spec 5.4), a detector per camera that has an
include window, levels and states on the event bus, and the streams of ``motiondata.cgi``.

``windows`` (the window values and their checks), ``detector`` (background subtraction on a
small grey picture), ``hysteresis`` (the state from the levels), ``runner`` (one camera's
detector as an internal video consumer), ``streams`` (what motiondata.cgi reads), ``service``
(the windows from the parameter store, the runners, the streams), ``schema`` (the template).
"""

"""Inputs and outputs: the ports (``IOPort``), their backends (virtual, GPIO), action sequences,
the service that publishes port events, and Axis-style virtual inputs.

Pure values and parsers (:mod:`~ipcamd.io.ports`, :mod:`~ipcamd.io.actions`) are apart from the
stateful parts (:mod:`~ipcamd.io.service`, :mod:`~ipcamd.io.sequencer`,
:mod:`~ipcamd.io.virtual_inputs`) and the hardware (:mod:`~ipcamd.io.backend`,
:mod:`~ipcamd.io.gpio`). The HTTP front end is ``ipcamd.http.io_cgi``. See docs/io.md.
"""

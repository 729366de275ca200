"""The RTSP front end: H.264 and JPEG over RTP, and the ONVIF event metadata stream.

``/axis-media/media.amp`` served by an asyncio RTSP server (RFC 2326 / 7826 subset) beside the
HTTP API, with the same users, levels and IP filter. See ``docs/rtsp.md``. The package is at the
HTTP layer of the import contracts (it uses the device and the domain families); only
:mod:`ipcamd.rtsp.schema`, the parameters it declares, is read by the device's schema assembly.
"""

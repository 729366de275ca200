"""Audio (spec 5.8): per-camera inputs, G.711 and G.726 through FFmpeg, the listeners of
receive.cgi sharing one encode per format, and transmit.cgi's one talker playing to a sink.
See docs/audio.md."""

"""Firmware: signed bundles, two install slots with an atomic switch, and the supervisor."""

"""System services: the device clock, the system log (and backup, firmware, restart)."""

"""System services: clock, system log, restart, factory defaults, backup/restore, firmware."""

"""System administration: restart, factory defaults, backup/restore, firmware upgrade."""

"""Allow `python -m ipcamd`."""

from ipcamd.cli import main

raise SystemExit(main())

"""Event rules (the ``Event`` parameter groups): when a trigger fires, what the unit does.

The groups can be added, listed and removed through ``param.cgi``; the engine that runs them
(triggers from the event bus, actions such as outputs and recordings) extends this package. It is
not called ``events``: that name is the event bus, which every family uses.
"""

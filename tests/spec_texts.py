"""Texts the spec prints, byte for byte, shared by the client-library tests (``tests/params``)
and the raw-socket replays (``tests/spec``): one copy, so both check the same thing."""

#: Spec 5.1.1.4's listing of a new event (``Event.E.Name=MyEvent&Event.E.Enabled=yes``), in its
#: order, with its values.
SPEC_EVENT_LISTING = """\
Event.E0.Name=MyEvent
Event.E0.Type=T
Event.E0.Enabled=yes
Event.E0.Active=no
Event.E0.Priority=1
Event.E0.Image=1
Event.E0.HWInputs=xxxx
Event.E0.SWInput=
Event.E0.Weekdays=1111111
Event.E0.Starttime=00:00
Event.E0.Duration=0
Event.E0.ImageURLSettingsEnabled=no
Event.E0.ImageURLSettings=
Event.E0.IncludePreTrigger=no
Event.E0.PreTriggerSize=0
Event.E0.PreTriggerInterval=1000
Event.E0.PreTriggerIntervalUnit=s
Event.E0.PreTriggerUnit=s
Event.E0.IncludePostTrigger=no
Event.E0.PostTriggerSize=0
Event.E0.PostTriggerInterval=1000
Event.E0.PostTriggerIntervalUnit=s
Event.E0.PostTriggerUnit=s
Event.E0.IncludeBestEffort=no
Event.E0.BestEffortInterval=1000
Event.E0.BestEffortDuration=0
Event.E0.BestEffortIntervalUnit=s
Event.E0.BestEffortDurationUnit=s
Event.E0.FileName=image.jpg
Event.E0.Suffix=%y-%m-%d_%H-%M-%S-%f
Event.E0.MaxSequenceNumber=-100
"""

"""The XML replies of the virtual input API (``virtualinput/*.cgi``), as Axis devices give them.

Every reply is ``200`` with ``Content-Type: text/xml``: a ``VirtualInputResponse`` envelope
(schema ``virtualinput1``, version 1.1) around ``<Success>`` or ``<Error><GeneralError>`` with
a numeric code (10 missing argument, 20 no such input, 30 unsupported schema version, 40
internal error, 50 invalid duration).
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from aiohttp import web

from ipcamd.http.replies import one_line

TEXT_XML = "text/xml"
#: The schema version the replies are written in (``SchemaVersion``).
SCHEMA_VERSION = "1.1"
#: The major versions a request's ``schemaversion`` may ask for.
SUPPORTED_MAJOR = ("1",)

_NAMESPACE = "http://www.axis.com/vapix/http_cgi/virtualinput1"
_ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    f'<VirtualInputResponse xmlns="{_NAMESPACE}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    f'SchemaVersion="{SCHEMA_VERSION}" '
    f'xsi:schemaLocation="{_NAMESPACE} {_NAMESPACE}_0.xsd">\n'
    "{body}"
    "</VirtualInputResponse>\n"
)


def xml_reply(body: str) -> web.Response:
    """``body`` (already XML) inside the envelope, as a 200 ``text/xml`` reply."""
    response = web.Response(body=_ENVELOPE.replace("{body}", body).encode("utf-8"))
    response.headers["Content-Type"] = TEXT_XML
    return response


def success(element: str, state_changed: bool) -> web.Response:
    """``<Success><ActivateSuccess><StateChanged>true</StateChanged>…`` (or Deactivate)."""
    changed = "true" if state_changed else "false"
    return xml_reply(
        "  <Success>\n"
        f"    <{element}>\n"
        f"      <StateChanged>{changed}</StateChanged>\n"
        f"    </{element}>\n"
        "  </Success>\n"
    )


def schema_versions() -> web.Response:
    """``getschemaversions.cgi``: the one schema version served."""
    major, minor = SCHEMA_VERSION.split(".")
    return xml_reply(
        "  <Success>\n"
        "    <GetSchemaVersionsSuccess>\n"
        "      <SchemaVersion>\n"
        f"        <MajorVersion>{major}</MajorVersion>\n"
        f"        <MinorVersion>{minor}</MinorVersion>\n"
        "      </SchemaVersion>\n"
        "    </GetSchemaVersionsSuccess>\n"
        "  </Success>\n"
    )


def general_error(code: int, description: str) -> web.Response:
    """``<Error><GeneralError>`` with ``code`` and the (escaped, one-line) description."""
    return xml_reply(
        "  <Error>\n"
        "    <GeneralError>\n"
        f"      <ErrorCode>{code}</ErrorCode>\n"
        f"      <ErrorDescription>{escape(one_line(description))}</ErrorDescription>\n"
        "    </GeneralError>\n"
        "  </Error>\n"
    )

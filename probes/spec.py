"""Probe settings as they appear in the catalog (`probe:` of a channel), validated with pydantic.

One model per probe kind, joined in `ProbeSpec` by the `kind` field. A new kind adds one model
here, one module in `probes/`, and one registry line in `probes/registry.py`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    interval_s: float = Field(default=60.0, ge=1.0, le=86_400.0)
    timeout_s: float = Field(default=10.0, gt=0.0, le=120.0)
    slow_ms: float = Field(default=2_000.0, gt=0.0)


class HttpProbe(_Spec):
    """GET (or HEAD) a URL; up when the status is expected and the optional keyword is present."""

    kind: Literal["http"] = "http"
    url: str
    method: Literal["GET", "HEAD"] = "GET"
    expect_status: tuple[int, ...] = (200,)
    keyword: str | None = None
    # False: a redirect is the answer (its status checked like any other), not followed.
    follow_redirects: bool = True


class TcpProbe(_Spec):
    """Open a TCP connection; up when it connects within the timeout."""

    kind: Literal["tcp"] = "tcp"
    host: str
    port: int = Field(default=443, ge=1, le=65_535)


class DnsProbe(_Spec):
    """Resolve a name; up when records of the asked type exist (MX for e-mail channels)."""

    kind: Literal["dns"] = "dns"
    name: str
    record: Literal["A", "AAAA", "MX"] = "A"
    interval_s: float = Field(default=300.0, ge=1.0, le=86_400.0)


class TlsProbe(_Spec):
    """Check an https endpoint's certificate; degraded when it expires within `warn_days`."""

    kind: Literal["tls"] = "tls"
    host: str
    port: int = Field(default=443, ge=1, le=65_535)
    warn_days: int = Field(default=14, ge=0, le=365)
    interval_s: float = Field(default=3_600.0, ge=1.0, le=86_400.0)


class StatuspageProbe(_Spec):
    """Read an Atlassian Statuspage `/api/v2/summary.json`; optional component names to map."""

    kind: Literal["statuspage"] = "statuspage"
    url: str
    components: tuple[str, ...] = ()
    interval_s: float = Field(default=120.0, ge=1.0, le=86_400.0)


ProbeSpec = Annotated[
    HttpProbe | TcpProbe | DnsProbe | TlsProbe | StatuspageProbe,
    Field(discriminator="kind"),
]

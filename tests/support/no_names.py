"""`supportlive` on a machine whose resolver knows no host name, without asking any server.

    python -m tests.support.no_names run

Everything is the real program, except one thing: a lookup of a host name (not an IP address
or `localhost`) fails at once the way the system resolver reports an unknown name
(`socket.gaierror`, EAI_NONAME), so tests of an unresolvable DATABASE_URL stay off the network.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

from bot.cli import main

_getaddrinfo = socket.getaddrinfo


def _known(host: object) -> bool:
    if host is None or host == "localhost":
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _no_names(host: Any, *args: Any, **kwargs: Any) -> Any:
    if _known(host):
        return _getaddrinfo(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


if __name__ == "__main__":
    socket.getaddrinfo = _no_names
    raise SystemExit(main(sys.argv[1:]))

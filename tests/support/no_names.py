"""`supportlive` on a machine whose resolver knows no host name, without asking any server.

    python -m tests.support.no_names run
    python -m tests.support.no_names --hang ask "/status loopex"

Everything is the real program, except one thing: a lookup of a host name (not an IP address
or `localhost`) fails at once the way the system resolver reports an unknown name
(`socket.gaierror`, EAI_NONAME), or with `--hang` blocks its thread for a minute, as behind
a DNS server that never answers. Tests of unresolvable names stay off the network.
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import time
from typing import Any

from bot.cli import main

HANG_S = 60.0
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


def _unknown(host: Any, *args: Any, **kwargs: Any) -> Any:
    if _known(host):
        return _getaddrinfo(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


def _unanswered(host: Any, *args: Any, **kwargs: Any) -> Any:
    if _known(host):
        return _getaddrinfo(host, *args, **kwargs)
    time.sleep(HANG_S)
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


if __name__ == "__main__":
    argv = sys.argv[1:]
    hang = argv[:1] == ["--hang"]
    socket.getaddrinfo = _unanswered if hang else _unknown
    raise SystemExit(main(argv[1:] if hang else argv))

"""A separate process that saves badges in a loop, printing each one once ``save`` returned.

Run as ``python -m tests.library.saver_child PREFIX COUNT``; the parent test reads the lines
(``saved <id> <sha256>``) to know which saves were acknowledged.
"""

from __future__ import annotations

import sys

from agent.library import Library
from tests.library.factories import fake_png, make_verdict, payload_for, source


def main() -> None:
    prefix, count = sys.argv[1], int(sys.argv[2])
    with Library() as library:
        print("ready", flush=True)
        for number in range(count):
            assertion_id = f"https://issuer.example/{prefix}/{number}"
            result = library.save(
                verdict=make_verdict(assertion_id, name=f"{prefix} badge {number}"),
                payload=payload_for(assertion_id),
                payload_kind="assertion-json",
                image=fake_png(f"{prefix}-{number}", size=4096 + number % 512),
                media_type="image/png",
                source=source(),
            )
            print("saved", result.badge.id, result.badge.sha256, flush=True)


if __name__ == "__main__":
    main()

"""Schemathesis hooks of scripts/schemathesis.sh (loaded through SCHEMATHESIS_HOOKS).

Generated Idempotency-Key values repeat ("0", "00", ...), and the server answers a reused key on another body
with 422 idempotency_key_reused, so most generated writes would never reach the engine. A valid generated key
(1-255 printable ASCII characters) gets a unique suffix, so that every write is a first attempt and its answer is
the engine's; an invalid one (the negative cases: too long, control characters) is sent as generated. Retries
under one key are tested by the Swift suite (IdempotencyTests).
"""

import itertools
import re

import schemathesis

_VALID = re.compile(r"^[!-~]{1,255}$")
_SERIAL = itertools.count(1)


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers
    if not headers:
        return None
    for name in list(headers):
        if name.lower() != "idempotency-key":
            continue
        value = headers[name]
        if isinstance(value, str) and _VALID.match(value):
            suffix = f"~{next(_SERIAL)}"
            headers[name] = value[: 255 - len(suffix)] + suffix
    return None

"""The input mixes of ``target_bench.py``: Singer streams of different type mixes.

- **contacts**: contacts-like records (Unicode strings, ints, floats, booleans, two UTC
  timestamps, a nested object, an array of strings): the benchmark's original input.
- **typed**: the same plus what tap-postgres writes for ``numeric(12,2)``,
  ``numeric(18,6)`` and ``date`` columns (``multipleOf: 0.01``, ``multipleOf: 0.000001``,
  ``format: date``), numbers written exactly (``12.50``).
- **wide**: 200 columns (strings, integers, floats, booleans, timestamps with offsets,
  decimals, dates), a tenth as many records.
- **intercom-parts** and **intercom-contacts**: the SCHEMA and records tap-intercom itself
  writes for ``conversation_parts`` and ``contacts`` (custom attributes included), read
  once from a small sandbox workspace and repeated with new ids; each part's body is an
  email-style HTML reply with quoted history, 200 to 3,900 characters (values stay within
  ``nvarchar(4000)``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import importlib
import json
import os
import pathlib
import random
import socket
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request

# simplejson writes Decimals as the exact JSON numbers a tap writes (``12.50``); no stubs.
simplejson: t.Any = importlib.import_module("simplejson")

Record = dict[str, t.Any]
NAMES = ["Zoë", "José", "Łukasz", "李雷", "Ana María", "Søren", "Ærøskøbing", "O'Brien", "Émile"]
CITIES = ["Zürich", "São Paulo", "Kraków", "東京", "Reykjavík", "Dublin", "New York, NY"]

CONTACTS_SCHEMA: dict[str, t.Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "external_id": {"type": ["integer", "null"]},
        "name": {"type": ["string", "null"]},
        "email": {"type": ["string", "null"]},
        "role": {"type": ["string", "null"]},
        "score": {"type": ["number", "null"]},
        "unsubscribed": {"type": ["boolean", "null"]},
        "created_at": {"type": ["string", "null"], "format": "date-time"},
        "updated_at": {"type": ["string", "null"], "format": "date-time"},
        "location": {
            "type": ["object", "null"],
            "properties": {
                "city": {"type": ["string", "null"]},
                "country": {"type": ["string", "null"]},
            },
        },
        "tags": {"type": ["array", "null"], "items": {"type": "string"}},
    },
    "required": ["id"],
}
#: tap-postgres's ``numeric(p,s)`` and ``date`` columns.
TYPED_PROPERTIES: dict[str, t.Any] = {
    "balance": {"type": ["number", "null"], "multipleOf": decimal.Decimal("0.01")},
    "rate": {"type": ["number", "null"], "multipleOf": decimal.Decimal("0.000001")},
    "birthday": {"type": ["string", "null"], "format": "date"},
}


@dataclasses.dataclass
class Mix:
    """One input mix.

    Attributes:
        name: The mix's name.
        stream: Its stream (and table) name.
        schema: The SCHEMA message's schema.
        key_properties: Its key properties.
        record: ``record(i, rng)`` makes record ``i``.
        share: Records of this mix per record asked for (a wide record is many values).
    """

    name: str
    stream: str
    schema: dict[str, t.Any]
    key_properties: list[str]
    record: t.Callable[[int, random.Random], Record]
    share: float = 1.0


def contact(i: int, rng: random.Random) -> Record:
    """A contacts-like record (the original benchmark input)."""
    base = 1_500_000_000 + i * 7
    return {
        "id": f"c{i:08d}",
        "external_id": i * 13,
        "name": f"{rng.choice(NAMES)} {i} 😀",
        "email": f"user{i}@example.com",
        "role": rng.choice(["user", "lead", None]),
        "score": round(rng.random() * 1000, 3),
        "unsubscribed": rng.random() < 0.1,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base)) + ".123456Z",
        "updated_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(base + 60)) + "Z",
        "location": {"city": rng.choice(CITIES), "country": "CH"},
        "tags": ["vip", "new\nline"] if i % 3 == 0 else [],
    }


def typed_contact(i: int, rng: random.Random) -> Record:
    """A contact with exact decimals and a date, as tap-postgres writes them."""
    record = contact(i, rng)
    cents = rng.randrange(-(10**9), 10**11)
    record["balance"] = decimal.Decimal(cents).scaleb(-2)
    record["rate"] = None if i % 10 == 0 else decimal.Decimal(rng.randrange(10**7)).scaleb(-6)
    day = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(25_000))
    record["birthday"] = day.isoformat()
    return record


WIDE_KINDS: list[tuple[str, dict[str, t.Any]]] = [
    ("s", {"type": ["string", "null"]}),
    ("i", {"type": ["integer", "null"]}),
    ("f", {"type": ["number", "null"]}),
    ("b", {"type": ["boolean", "null"]}),
    ("t", {"type": ["string", "null"], "format": "date-time"}),
    ("d", {"type": ["number", "null"], "multipleOf": decimal.Decimal("0.0001")}),
    ("day", {"type": ["string", "null"], "format": "date"}),
    ("e", {"type": ["string", "null"], "maxLength": 64}),
]
WIDE_COLUMNS = 200


def wide_schema() -> dict[str, t.Any]:
    """200 columns: an id and the kinds of :data:`WIDE_KINDS` in turn."""
    properties: dict[str, t.Any] = {"id": {"type": "integer"}}
    for n in range(1, WIDE_COLUMNS):
        prefix, schema = WIDE_KINDS[n % len(WIDE_KINDS)]
        properties[f"{prefix}{n:03d}"] = schema
    return {"type": "object", "properties": properties, "required": ["id"]}


def wide_record(i: int, rng: random.Random) -> Record:
    """One wide record; about one value in ten is null."""
    record: Record = {"id": i}
    rand = rng.random
    for n in range(1, WIDE_COLUMNS):
        prefix = WIDE_KINDS[n % len(WIDE_KINDS)][0]
        name = f"{prefix}{n:03d}"
        if rand() < 0.1:
            record[name] = None
        elif prefix == "s":
            record[name] = f"{NAMES[n % len(NAMES)]} {i}"
        elif prefix == "i":
            record[name] = i * n
        elif prefix == "f":
            record[name] = round(rand() * 1000, 3)
        elif prefix == "b":
            record[name] = rand() < 0.5
        elif prefix == "t":
            record[name] = f"2024-{1 + n % 12:02d}-{1 + i % 28:02d}T10:{n % 60:02d}:00+02:00"
        elif prefix == "d":
            record[name] = decimal.Decimal(i * n).scaleb(-4)
        elif prefix == "day":
            record[name] = f"20{10 + n % 15}-{1 + i % 12:02d}-{1 + n % 28:02d}"
        else:
            record[name] = f"user{i}.{n}@example.com"
    return record


# Intercom: samples of tap-intercom's own output ------------------------------------------------


QUOTE = (
    '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On {day}, {who} '
    '&lt;{email}&gt; wrote:<br></div><blockquote class="gmail_quote" style="margin:0px '
    '0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">{inner}'
    "</blockquote></div>"
)
LINES = [
    "<p>Hi there, thanks for getting back to me so quickly!</p>",
    "<p>We tried the steps from the article &quot;Resetting your workspace&quot; but the "
    "export still stops at 80&nbsp;%.</p>",
    "<p>Merci beaucoup — ça marche maintenant. Grüße aus Zürich 🙂</p>",
    '<p>Screenshot: <a href="https://example.com/s/8f3k2">https://example.com/s/8f3k2</a></p>',
    "<ul><li>Plan: Pro</li><li>Seats: 25</li><li>Billing: annual</li></ul>",
    "<p>Could you check invoice #INV-2024-0113? The amount shows €1.299,00 instead of €999,00.</p>",
]


def html_body(rng: random.Random, size: int) -> str:
    """An email reply of about ``size`` characters: new lines, then quoted earlier replies."""
    text = "".join(rng.choice(LINES) for _ in range(3))
    while len(text) < size:
        inner = "".join(rng.choice(LINES) for _ in range(2)) + text
        who = rng.choice(NAMES)
        text = "".join(rng.choice(LINES) for _ in range(2)) + QUOTE.format(
            day="Tue, 9 Jan 2024 at 14:02", who=who, email="support@example.com", inner=inner
        )
    return text[:size]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tap_samples(streams: t.Iterable[str]) -> dict[str, tuple[dict, list[str], list[Record]]]:
    """Run tap-intercom against a small sandbox; its SCHEMA and records of each stream.

    Args:
        streams: The stream names wanted.

    Returns:
        Per stream: the schema, the key properties and the records, as the tap wrote them.
    """
    wanted = set(streams)
    port = _free_port()
    token = "bench-token"
    sandbox = subprocess.Popen(
        [sys.executable, "-m", "devstack.intercom_sandbox", "--port", str(port), "--seed",
         "17", "--contacts", "400", "--companies", "50", "--conversations", "200",
         "--tickets", "10", "--access-token", token, "--rate-limit", "100000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    samples: dict[str, tuple[dict, list[str], list[Record]]] = {}
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url + "/_sandbox/health", timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline or sandbox.poll() is not None:
                    raise SystemExit("the Intercom sandbox did not start") from None
                time.sleep(0.2)
        with tempfile.TemporaryDirectory() as tmp:
            config = pathlib.Path(tmp) / "tap.json"
            config.write_text(json.dumps({"access_token": token, "api_url": url}))
            env = {k: v for k, v in os.environ.items() if not k.startswith("TAP_INTERCOM_")}
            out = subprocess.run(
                [sys.executable, "-m", "tap_intercom", "--config", str(config)],
                capture_output=True, check=True, env=env,
            ).stdout  # fmt: skip
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    for line in out.splitlines():
        message = json.loads(line, parse_float=decimal.Decimal)
        stream = message.get("stream")
        if stream not in wanted:
            continue
        if message["type"] == "SCHEMA":
            samples[stream] = (message["schema"], message.get("key_properties") or [], [])
        elif message["type"] == "RECORD" and stream in samples:
            samples[stream][2].append(message["record"])
    return samples


def repeated(
    records: list[Record], key: str, *, bodies: bool
) -> t.Callable[[int, random.Random], Record]:
    """``record(i, rng)``: sample ``i mod n`` with a new key (and, for parts, a long body)."""

    def record(i: int, rng: random.Random) -> Record:
        sample = records[i % len(records)]
        result = {**sample, key: f"{sample[key]}-{i // len(records)}"}
        if bodies:
            result["body"] = html_body(rng, rng.randrange(200, 3900))
        return result

    return record


def intercom_mixes() -> list[Mix]:
    """The two Intercom mixes, from one run of the tap."""
    samples = tap_samples(["conversation_parts", "contacts"])
    mixes = []
    for name, stream, bodies in (
        ("intercom-parts", "conversation_parts", True),
        ("intercom-contacts", "contacts", False),
    ):
        schema, keys, records = samples[stream]
        mixes.append(Mix(name, stream, schema, keys, repeated(records, keys[0], bodies=bodies)))
    return mixes


def mixes(names: t.Collection[str]) -> list[Mix]:
    """The mixes of these names, in the order of :data:`MIX_NAMES`."""
    found = {
        "contacts": Mix("contacts", "contacts", CONTACTS_SCHEMA, ["id"], contact),
        "typed": Mix(
            "typed",
            "contacts",
            {
                **CONTACTS_SCHEMA,
                "properties": {**CONTACTS_SCHEMA["properties"], **TYPED_PROPERTIES},
            },
            ["id"],
            typed_contact,
        ),
        "wide": Mix("wide", "wide", wide_schema(), ["id"], wide_record, share=0.1),
    }
    if {"intercom-parts", "intercom-contacts"} & set(names):
        found.update({mix.name: mix for mix in intercom_mixes()})
    return [found[name] for name in MIX_NAMES if name in names]


MIX_NAMES = ["contacts", "typed", "wide", "intercom-parts", "intercom-contacts"]


def write_input(path: pathlib.Path, mix: Mix, records: int) -> None:
    """Write the mix's SCHEMA, ``records`` RECORD messages and a final STATE to ``path``.

    Args:
        path: The file to write.
        mix: The mix.
        records: How many records.
    """
    rng = random.Random(42)
    dumps = simplejson.JSONEncoder(use_decimal=True, ensure_ascii=False).encode
    with path.open("w", encoding="utf-8") as out:
        schema = {"type": "SCHEMA", "stream": mix.stream, "schema": mix.schema,
                  "key_properties": mix.key_properties}  # fmt: skip
        out.write(dumps(schema) + "\n")
        for i in range(records):
            message = {"type": "RECORD", "stream": mix.stream, "record": mix.record(i, rng)}
            out.write(dumps(message) + "\n")
        out.write(dumps({"type": "STATE", "value": {"bookmarks": {mix.stream: records}}}) + "\n")

# SPDX-License-Identifier: GPL-2.0-only
"""The Elastic Common Schema field definitions netsight's JSON uses (ECS
8.17, ecs_flat.yml: name, type, and the allowed values of the categorization
fields), and a checker for one JSON record against them.

A key is either an ECS field, checked for its type, or in one of netsight's
own namespaces. Nothing may be both a value and an object ("error": "x" next
to "error.code"), and no ECS field set may appear where ECS does not define
it (interface.* exists only nested, as observer.ingress.interface.*)."""
import ipaddress
import re

KEYWORD, LONG, IP, DATE, TEXT, BOOLEAN, FLOAT = (
    "keyword", "long", "ip", "date", "match_only_text", "boolean", "float")

# name -> (type, whether ECS allows an array, allowed values or None)
FIELDS = {
    "@timestamp": (DATE, False, None),
    "ecs.version": (KEYWORD, False, None),
    "message": (TEXT, False, None),
    "event.kind": (KEYWORD, False, {"alert", "asset", "enrichment", "event", "metric",
                                    "state", "pipeline_error", "signal"}),
    "event.category": (KEYWORD, True, {
        "api", "authentication", "configuration", "database", "driver", "email", "file",
        "host", "iam", "intrusion_detection", "library", "malware", "network", "package",
        "process", "registry", "session", "threat", "vulnerability", "web"}),
    "event.type": (KEYWORD, True, {
        "access", "admin", "allowed", "change", "connection", "creation", "deletion",
        "denied", "device", "end", "error", "group", "indicator", "info", "installation",
        "protocol", "start", "user"}),
    "event.action": (KEYWORD, False, None),
    "event.module": (KEYWORD, False, None),
    "event.dataset": (KEYWORD, False, None),
    "event.duration": (LONG, False, None),
    "host.name": (KEYWORD, False, None),
    "process.pid": (LONG, False, None),
    "process.name": (KEYWORD, False, None),
    "network.transport": (KEYWORD, False, None),
    "network.type": (KEYWORD, False, None),
    "network.iana_number": (KEYWORD, False, None),
    "network.direction": (KEYWORD, False, {"ingress", "egress", "inbound", "outbound",
                                           "internal", "external", "unknown"}),
    "network.community_id": (KEYWORD, False, None),
    "source.ip": (IP, False, None),
    "source.port": (LONG, False, None),
    "source.bytes": (LONG, False, None),
    "destination.ip": (IP, False, None),
    "destination.port": (LONG, False, None),
    "destination.bytes": (LONG, False, None),
    "error.code": (KEYWORD, False, None),
    "error.message": (TEXT, False, None),
    "error.type": (KEYWORD, False, None),
    "observer.ingress.interface.name": (KEYWORD, False, None),
    "observer.ingress.interface.id": (KEYWORD, False, None),
    "observer.egress.interface.name": (KEYWORD, False, None),
    "observer.egress.interface.id": (KEYWORD, False, None),
}

# event.type values ECS expects with event.category "network".
NETWORK_TYPES = {"access", "allowed", "connection", "denied", "end", "error", "info",
                 "protocol", "start"}

# ECS field sets (top-level names). A key under one of them must be an ECS field,
# except netsight's documented additions below.
ECS_SETS = {
    "agent", "as", "client", "cloud", "code_signature", "container", "data_stream",
    "destination", "device", "dll", "dns", "ecs", "elf", "email", "error", "event", "faas",
    "file", "geo", "group", "hash", "host", "http", "interface", "log", "macho", "network",
    "observer", "orchestrator", "organization", "os", "package", "pe", "process",
    "registry", "related", "risk", "rule", "server", "service", "source", "span", "threat",
    "tls", "trace", "transaction", "url", "user", "user_agent", "volume", "vulnerability",
    "x509",
}
# netsight's own fields inside an ECS field set (custom fields ECS leaves room for).
ADDITIONS = {"network.netns": LONG}
# netsight's own namespaces: top-level names ECS does not define.
OWN = {"tcp", "drop", "netsight", "summary", "cgroup", "count"}

KEYWORD_MAX = 1024  # ECS keyword fields are indexed up to ignore_above: 1024


def _type_ok(kind, value):
    if kind == KEYWORD:
        return isinstance(value, str) and len(value) <= KEYWORD_MAX
    if kind == TEXT:
        return isinstance(value, str)
    if kind == LONG:
        return isinstance(value, int) and not isinstance(value, bool) \
            and -2**63 <= value < 2**63
    if kind == FLOAT:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if kind == IP:
        try:
            ipaddress.ip_address(value)
            return True
        except (TypeError, ValueError):
            return False
    if kind == DATE:
        return isinstance(value, str) and re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value) is not None
    raise AssertionError(kind)


def problems(record):
    """What is wrong with one JSON record (a dict), as a list of strings."""
    found = []
    keys = set(record)
    for key in keys:
        if any(other.startswith(key + ".") for other in keys):
            found.append(f"{key} is both a value and an object")
    for key, value in record.items():
        top = key.split(".")[0]
        if key in FIELDS:
            kind, array, allowed = FIELDS[key]
            values = value if array and isinstance(value, list) else [value]
            if array and not isinstance(value, list):
                found.append(f"{key} should be an array")
            for v in values:
                if not _type_ok(kind, v):
                    found.append(f"{key}: {v!r} is not a {kind}")
                elif allowed is not None and v not in allowed:
                    found.append(f"{key}: {v!r} is not an allowed value")
        elif key in ADDITIONS:
            if not _type_ok(ADDITIONS[key], value):
                found.append(f"{key}: {value!r} is not a {ADDITIONS[key]}")
        elif top in ECS_SETS:
            found.append(f"{key} is in the ECS field set '{top}' but is no ECS field")
        elif top not in OWN:
            found.append(f"{key} is neither an ECS field nor in a netsight namespace")
    for required in ("@timestamp", "ecs.version", "event.kind", "event.category",
                     "event.type", "event.action", "event.dataset"):
        if required not in record:
            found.append(f"{required} is missing")
    if "network" in record.get("event.category", []):
        for t in record.get("event.type", []):
            if t not in NETWORK_TYPES:
                found.append(f"event.type {t} does not go with event.category network")
    return found

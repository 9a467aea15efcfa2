#!/usr/bin/env python3
"""Hostile values in every field of every operation, driven by the OpenAPI documents.

For each operation of each document (as a role the operation allows, from `x-curbside-roles`),
sends a plausible request with one field at a time replaced by something hostile: SQL
metacharacters, a 100,000-character string, a NUL byte and other control characters, broken
Unicode escapes. Path parameters get the same treatment, list operations get absurd page sizes,
and every operation with a body gets JSON nested 100,000 deep. Every answer must be below 500
and, when it is an error, an AIP error (`{"error": {"code", "status", "message"}}`).

Secrets never come back: every body field that holds one (a password, a token, a card number or
CVC) gets a recognisable value, every operation gets a made-up bearer token, and no answer,
error or not, may contain what was sent.

Usage: scripts/api-abuse.py BASE_URL DOCUMENT.json... (tokens in CURBSIDE_ABUSE_TOKEN_ADMIN,
_PASSENGER, _DRIVER). Run by scripts/api-fuzz.sh against the server it starts.
"""

import copy
import json
import os
import re
import sys
import uuid
import urllib.error
import urllib.parse
import urllib.request

HOSTILE = {
    "sql": "x'); DROP TABLE platform.trips; -- \" OR 1=1 /*",
    "huge": "A" * 100_000,
    "control": "nul\u0000bell\u0007esc\u001b[31m\r\nnext",
    "unicode": "\ud83d\ude95 \u202e reversed \ufeff \udcff",
    "like": "%_%\\",
}
# Body fields that hold a secret (a device's FCM token is the user's own and comes back by design).
SECRET_FIELD = re.compile(r"password|token|secret|cvc|^number$", re.IGNORECASE)
NOT_SECRET = {"fcmToken", "pageToken", "nextPageToken"}
# A Luhn-valid test card for card number fields; a recognisable marker for the rest.
CARD_NUMBER = "4000056655665556"
BEARER = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImxlYWtjaGVjayJ9.eyJzdWIiOiJsZWFrY2hlY2sifQ.bGVha2NoZWNrc2lnbmF0dXJl"
PAGE_SIZES = ["2147483647", "99999999999999999999", "-1", "0", "1e9", "NaN"]


def resolve(document, schema):
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    if "allOf" in schema:
        merged = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(document, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def plausible(document, schema, depth=0):
    """A value of `schema` that a server would likely accept (not necessarily does)."""
    schema = resolve(document, schema)
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return plausible(document, schema[key][0], depth)
    kind = schema.get("type", "object")
    if kind == "object":
        if depth > 6:
            return {}
        return {name: plausible(document, sub, depth + 1) for name, sub in schema.get("properties", {}).items()
                if not resolve(document, sub).get("readOnly")}
    if kind == "array":
        return [plausible(document, schema.get("items", {}), depth + 1)]
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    formats = {"date-time": "2026-11-22T10:00:00Z", "email": "abuse@example.com", "uuid": "00000000-0000-4000-8000-000000000000",
               "int64": "1", "date": "2026-11-22"}
    return formats.get(schema.get("format"), "x")


def string_paths(value, prefix=()):
    """Where the strings are in a plausible body."""
    if isinstance(value, str):
        yield prefix
    elif isinstance(value, dict):
        for key, sub in value.items():
            yield from string_paths(sub, prefix + (key,))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from string_paths(sub, prefix + (index,))


def replaced(body, path, new):
    body = copy.deepcopy(body)
    node = body
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = new
    return body


class Abuse:
    def __init__(self, base, tokens):
        self.base = base
        self.tokens = tokens
        self.sent = 0
        self.secrets_checked = 0
        self.failures = []

    def send(self, method, path, role, body=None, raw=None, label="", secret=None, token=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.base + path, data=data, method=method.upper())
        if token is not None:
            request.add_header("Authorization", f"Bearer {token}")
        elif role != "anonymous":
            request.add_header("Authorization", f"Bearer {self.tokens[role]}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        self.sent += 1
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                status, text = reply.status, reply.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        except Exception as error:  # no answer at all is as bad as a 500
            self.failures.append(f"{method.upper()} {path[:120]} ({label}): no answer: {error}")
            return
        if secret is not None:
            self.secrets_checked += 1
            if secret.encode() in text:
                self.failures.append(f"{method.upper()} {path[:120]} ({label}): {status} answer contains the secret sent")
        if status >= 500:
            self.failures.append(f"{method.upper()} {path[:120]} ({label}): {status} {text[:200]!r}")
        elif status >= 400:
            try:
                error = json.loads(text)["error"]
                assert isinstance(error["code"], int) and error["status"] and error["message"]
            except Exception:
                self.failures.append(f"{method.upper()} {path[:120]} ({label}): {status} is not an AIP error: {text[:200]!r}")

    def operation(self, document, path, method, operation):
        roles = [r.lower() for r in operation.get("x-curbside-roles", [])]
        public = roles == ["public"]
        role = "anonymous" if public else next((r for r in ("admin", "passenger", "driver") if r in roles), None)
        if role is None:
            return  # service-only operations are covered by the role matrix and schemathesis
        parameters = [resolve(document, p) for p in operation.get("parameters", [])]
        concrete = path
        for parameter in parameters:
            if parameter["in"] == "path":
                concrete = concrete.replace("{" + parameter["name"] + "}", "me" if parameter["name"] in ("user", "driver", "passenger") else
                                            "00000000-0000-4000-8000-000000000000")
        query = {p["name"]: str(plausible(document, p.get("schema", {}))) for p in parameters
                 if p["in"] == "query" and p.get("required")}
        body = None
        if "requestBody" in operation:
            schema = operation["requestBody"]["content"].get("application/json", {}).get("schema", {})
            body = plausible(document, schema)

        def url(extra=None, path_override=None):
            items = {**query, **(extra or {})}
            return (path_override or concrete) + ("?" + urllib.parse.urlencode(items, errors="surrogatepass") if items else "")

        if public:
            # Sign-up, sign-in and refresh: schemathesis covers their hostile values; the secrets
            # they carry are checked below.
            self.secrets(method, url(), role, body)
            return
        for name, value in HOSTILE.items():
            # Every path parameter, every query parameter, every string in the body, one at a time.
            for parameter in parameters:
                if parameter["in"] == "path":
                    hostile_path = path
                    for other in parameters:
                        if other["in"] == "path":
                            text = value if other is parameter else ("me" if other["name"] in ("user", "driver", "passenger")
                                                                     else "00000000-0000-4000-8000-000000000000")
                            hostile_path = hostile_path.replace("{" + other["name"] + "}", urllib.parse.quote(text[:5000], safe="", errors="surrogatepass"))
                    self.send(method, url(path_override=hostile_path), role, body, label=f"path {parameter['name']}={name}")
                elif parameter["in"] == "query":
                    self.send(method, url({parameter["name"]: value[:5000]}), role, body, label=f"query {parameter['name']}={name}")
            if body is not None:
                for where in string_paths(body):
                    self.send(method, url(), role, replaced(body, where, value), label=f"body {'.'.join(map(str, where))}={name}")
        self.secrets(method, url(), role, body)
        self.send(method, url(), role, body, label="a made-up bearer token", secret=BEARER, token=BEARER)
        if any(p["name"] == "pageSize" for p in parameters):
            for size in PAGE_SIZES:
                self.send(method, url({"pageSize": size}), role, body, label=f"pageSize={size}")
        if method in ("post", "patch", "put"):
            self.send(method, url(), role, raw=b"[" * 100_000 + b"]" * 100_000, label="JSON nested 100,000 deep")

    def secrets(self, method, url, role, body):
        """Each secret field of the body, one at a time, with a value that must not come back."""
        for where in string_paths(body) if body is not None else []:
            field = next((part for part in reversed(where) if isinstance(part, str)), "")
            if SECRET_FIELD.search(field) and field not in NOT_SECRET:
                secret = CARD_NUMBER if field == "number" else f"leakcheck-{uuid.uuid4().hex[:12]}-Pw1!"
                self.send(method, url, role, replaced(body, where, secret), label=f"secret in body {'.'.join(map(str, where))}",
                          secret=secret)

    def document(self, document):
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if method in ("get", "post", "patch", "put", "delete"):
                    self.operation(document, path, method, operation)


def main():
    base, documents = sys.argv[1], sys.argv[2:]
    tokens = {role: os.environ[f"CURBSIDE_ABUSE_TOKEN_{role.upper()}"] for role in ("admin", "passenger", "driver")}
    abuse = Abuse(base, tokens)
    for path in documents:
        with open(path) as file:
            abuse.document(json.load(file))
    for failure in abuse.failures[:40]:
        print(f"api-abuse: FAILED {failure}", file=sys.stderr)
    print(f"api-abuse: {abuse.sent} hostile requests ({abuse.secrets_checked} checked for an echoed secret), "
          f"{len(abuse.failures)} failed", file=sys.stderr)
    sys.exit(1 if abuse.failures else 0)


if __name__ == "__main__":
    main()

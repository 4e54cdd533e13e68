"""What the workflow does to its config before Snakemake validates it against the JSON schema:
refuse files that are not UTF-8 in one line, and type string values as the schema says.

Snakemake parses only the top level of `--config key=value` with YAML; nested values arrive as
strings (`--config 'train={epochs: 800}'` gives `{"epochs": "800"}`). PyYAML, reading a config
file, takes a number in exponent form for a string unless it has a dot and a signed exponent
(`1e-4` and `1.0e9` are strings, `1.0e-4` is a float).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

# A number in exponent form that YAML 1.1 leaves as a string: 1e-4, 1.0e9, 5E3, .5e2.
EXPONENT = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)[eE][-+]?\d+")


class ConfigFileError(ValueError):
    """A config file that cannot be read (named, with where and why)."""


def check_utf8(path: str | Path) -> None:
    """Raise ConfigFileError naming the file, the byte and its line and column when `path` is
    not UTF-8 (Snakemake would end in a long UnicodeDecodeError traceback without the file name).
    A missing file passes: Snakemake names it itself."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        start = error.start
        line = data.count(b"\n", 0, start) + 1
        column = start - data.rfind(b"\n", 0, start)
        raise ConfigFileError(
            f"{path.absolute()} is not UTF-8: byte 0x{data[start]:02x} at line {line}, column "
            f"{column} (byte offset {start}); save the file as UTF-8"
        ) from None


def load_schema(path: str | Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def coerce_to_schema(config: Any, schema: dict | str | Path) -> Any:
    """Convert the string values of `config` where the schema expects no string: in place for
    mappings and lists, also returned. A string becomes what YAML reads it as when that has a
    type the schema allows ("800" → 800 for an integer, "null" → None for [integer, "null"],
    "true" → True for a boolean, "[1, 2]" → [1, 2] for an array); a number in exponent form
    that YAML leaves a string ("1e-4", "1.0e9") becomes a float where a number is allowed, or
    an int where only an integer is and its value is whole. Anything else is left for the
    validator to reject: strings where a string is allowed, non-strings, "800.5" for an
    integer."""
    root = schema if isinstance(schema, dict) else load_schema(schema)
    return _coerce(config, _expanded([root], root), root)


def _coerce(value: Any, schemas: list[dict], root: dict) -> Any:
    if not schemas:
        return value
    if isinstance(value, str):
        value = _typed(value, _allowed_types(schemas))
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _coerce(item, _expanded(_children(schemas, key), root), root)
    elif isinstance(value, list):
        items = [s["items"] for s in schemas if isinstance(s.get("items"), dict)]
        for i, item in enumerate(value):
            value[i] = _coerce(item, _expanded(items, root), root)
    return value


def _expanded(schemas: list[dict], root: dict) -> list[dict]:
    """The schemas with everything they apply through `$ref` and `allOf`."""
    out: list[dict] = []
    pending = list(schemas)
    while pending:
        schema = pending.pop(0)
        if not isinstance(schema, dict) or any(schema is seen for seen in out):
            continue
        out.append(schema)
        if "$ref" in schema:
            pending.append(_resolve(schema["$ref"], root))
        pending.extend(schema.get("allOf", []))
    return out


def _resolve(ref: str, root: dict) -> dict:
    if not ref.startswith("#"):
        raise ValueError(f"schema $ref {ref!r}: only references within the schema are supported")
    node: Any = root
    for part in filter(None, ref[1:].split("/")):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _children(schemas: list[dict], key: str) -> list[dict]:
    named = [s["properties"][key] for s in schemas if key in s.get("properties", {})]
    if named:
        return named
    return [
        s["additionalProperties"]
        for s in schemas
        if isinstance(s.get("additionalProperties"), dict)
    ]


def _allowed_types(schemas: list[dict]) -> set[str] | None:
    """The JSON types every schema allows (None: no schema names a type)."""
    allowed = None
    for schema in schemas:
        if "type" in schema:
            types = schema["type"]
            types = {types} if isinstance(types, str) else set(types)
            allowed = types if allowed is None else allowed & types
    return allowed


def _json_types(value: Any) -> set[str]:
    if value is None:
        return {"null"}
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int):
        return {"integer", "number"}
    if isinstance(value, float):
        return {"number"}
    if isinstance(value, str):
        return {"string"}
    if isinstance(value, list):
        return {"array"}
    if isinstance(value, dict):
        return {"object"}
    return set()


def _typed(text: str, allowed: set[str] | None) -> Any:
    if not allowed or "string" in allowed:
        return text
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if _json_types(parsed) & allowed:
        return parsed
    if EXPONENT.fullmatch(text.strip()):
        number = float(text)
        if "number" in allowed:
            return number
        if "integer" in allowed and number.is_integer():
            return int(number)
    return text

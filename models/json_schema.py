"""A small JSON-schema validator for the subset Reverie's prompts use.

Why not `jsonschema`: it is not a dependency, and the schemas we send to models are deliberately
simple (so grammar-constrained decoding and small models cope). Supported keywords: type (one or
a list, incl. "null"), enum, const, properties, required, additionalProperties (bool or schema),
items, minItems, maxItems, minLength, maxLength, minimum, maximum, anyOf. Unknown keywords are
ignored, as the JSON-schema spec prescribes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_TYPE_CHECKS: dict[str, type | tuple[type, ...]] = {
    "object": dict,
    "array": list,
    "string": str,
    "number": (int, float),
    "integer": int,
    "boolean": bool,
}

MAX_REPORTED = 5  # enough for a model to fix its answer without flooding its context


class SchemaValidationError(ValueError):
    """The instance does not match the schema; `errors` lists each problem with its JSON path."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        shown = "; ".join(errors[:MAX_REPORTED])
        more = f" (and {len(errors) - MAX_REPORTED} more)" if len(errors) > MAX_REPORTED else ""
        super().__init__(shown + more)


def validate(instance: Any, schema: Mapping[str, Any]) -> None:
    """Raise SchemaValidationError listing every mismatch; return None when the instance is valid."""
    errors = find_errors(instance, schema)
    if errors:
        raise SchemaValidationError(errors)


def find_errors(instance: Any, schema: Mapping[str, Any], path: str = "$") -> list[str]:
    if "anyOf" in schema:
        branches = [find_errors(instance, sub, path) for sub in schema["anyOf"]]
        if all(branches):
            return [f"{path}: matches none of the anyOf alternatives ({branches[0][0]})"]
    type_error = _type_error(instance, schema.get("type"), path)
    if type_error:
        return [type_error]  # further keywords would only repeat the same problem
    errors: list[str] = []
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} is not one of {list(schema['enum'])!r}")
    if "const" in schema and instance != schema["const"]:
        errors.append(f"{path}: must be {schema['const']!r}")
    if isinstance(instance, dict):
        errors.extend(_object_errors(instance, schema, path))
    elif isinstance(instance, list):
        errors.extend(_array_errors(instance, schema, path))
    elif isinstance(instance, str):
        errors.extend(_string_errors(instance, schema, path))
    elif isinstance(instance, int | float) and not isinstance(instance, bool):
        errors.extend(_number_errors(instance, schema, path))
    return errors


def _type_error(instance: Any, expected: str | list[str] | None, path: str) -> str | None:
    if expected is None:
        return None
    names = [expected] if isinstance(expected, str) else list(expected)
    if any(_is_type(instance, name) for name in names):
        return None
    return f"{path}: expected {' or '.join(names)}, got {_json_type(instance)}"


def _is_type(instance: Any, name: str) -> bool:
    if name == "null":
        return instance is None
    if isinstance(instance, bool) and name != "boolean":
        return False  # bool is an int subclass in Python but not a number in JSON
    if name == "integer" and isinstance(instance, float):
        return instance.is_integer()
    check = _TYPE_CHECKS.get(name)
    return check is not None and isinstance(instance, check)


def _json_type(instance: Any) -> str:
    if instance is None:
        return "null"
    for name in ("boolean", "integer", "number", "string", "array", "object"):
        if _is_type(instance, name):
            return name
    return type(instance).__name__


def _object_errors(instance: dict[str, Any], schema: Mapping[str, Any], path: str) -> list[str]:
    errors = [f"{path}: missing required property {key!r}" for key in schema.get("required", ()) if key not in instance]
    properties: Mapping[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in instance.items():
        if key in properties:
            errors.extend(find_errors(value, properties[key], f"{path}.{key}"))
        elif extra is False:
            errors.append(f"{path}: unexpected property {key!r}")
        elif isinstance(extra, Mapping):
            errors.extend(find_errors(value, extra, f"{path}.{key}"))
    return errors


def _array_errors(instance: list[Any], schema: Mapping[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    if "minItems" in schema and len(instance) < schema["minItems"]:
        errors.append(f"{path}: has {len(instance)} items, needs at least {schema['minItems']}")
    if "maxItems" in schema and len(instance) > schema["maxItems"]:
        errors.append(f"{path}: has {len(instance)} items, allows at most {schema['maxItems']}")
    items = schema.get("items")
    if isinstance(items, Mapping):
        for index, item in enumerate(instance):
            errors.extend(find_errors(item, items, f"{path}[{index}]"))
    return errors


def _string_errors(instance: str, schema: Mapping[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    if "minLength" in schema and len(instance) < schema["minLength"]:
        errors.append(f"{path}: shorter than {schema['minLength']} characters")
    if "maxLength" in schema and len(instance) > schema["maxLength"]:
        errors.append(f"{path}: longer than {schema['maxLength']} characters")
    return errors


def _number_errors(instance: float, schema: Mapping[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    if "minimum" in schema and instance < schema["minimum"]:
        errors.append(f"{path}: {instance} is below the minimum {schema['minimum']}")
    if "maximum" in schema and instance > schema["maximum"]:
        errors.append(f"{path}: {instance} is above the maximum {schema['maximum']}")
    return errors

"""The schema validator and JSON repair that guard every structured LLM answer."""

from __future__ import annotations

from typing import Any

import pytest

from reverie.models.json_schema import SchemaValidationError, find_errors, validate
from reverie.models.structured_output import InvalidOutput, extract_json

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "items": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "count": {"type": "integer", "minimum": 0},
                    "note": {"type": ["string", "null"], "maxLength": 5},
                },
                "required": ["kind", "count"],
                "additionalProperties": False,
            },
        },
        "flag": {"type": "boolean"},
        "score": {"type": "number"},
    },
    "required": ["items", "flag"],
}


def test_valid_instance_passes() -> None:
    validate({"items": [{"kind": "a", "count": 2, "note": None}], "flag": True, "score": 1}, SCHEMA)


@pytest.mark.parametrize(
    ("instance", "expected"),
    [
        ({"items": []}, "$: missing required property 'flag'"),
        ({"items": [], "flag": 1}, "$.flag: expected boolean, got integer"),
        ({"items": [], "flag": True, "score": True}, "$.score: expected number, got boolean"),
        ({"items": [{"kind": "c", "count": 1}], "flag": True}, "$.items[0].kind: 'c' is not one of"),
        ({"items": [{"kind": "a", "count": 1.5}], "flag": True}, "$.items[0].count: expected integer"),
        ({"items": [{"kind": "a", "count": -1}], "flag": True}, "below the minimum 0"),
        ({"items": [{"kind": "a", "count": 1, "x": 1}], "flag": True}, "unexpected property 'x'"),
        ({"items": [{"kind": "a", "count": 1, "note": "toolong"}], "flag": True}, "longer than 5"),
        ({"items": [{"kind": "a", "count": 1}] * 3, "flag": True}, "allows at most 2"),
    ],
)
def test_each_violation_is_reported_with_its_path(instance: Any, expected: str) -> None:
    with pytest.raises(SchemaValidationError) as info:
        validate(instance, SCHEMA)
    assert expected in str(info.value)


def test_integral_float_counts_as_integer_and_any_of_works() -> None:
    assert find_errors(3.0, {"type": "integer"}) == []
    any_of = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
    assert find_errors(1, any_of) == [] and find_errors([], any_of)


def test_extract_json_handles_brackets_and_quotes_inside_strings() -> None:
    text = 'Result: {"a": "has } and ] and \\" inside", "b": [1, 2,],} trailing words'
    assert extract_json(text) == {"a": 'has } and ] and " inside', "b": [1, 2]}


def test_extract_json_prefers_a_fenced_block() -> None:
    assert extract_json('first {"x": 1}\n```json\n[{"y": 2}]\n```') == [{"y": 2}]


def test_extract_json_keeps_commas_inside_strings() -> None:
    assert extract_json('{"a": "x, }"}') == {"a": "x, }"}


def test_extract_json_refuses_to_guess_at_truncated_output() -> None:
    with pytest.raises(InvalidOutput, match="no complete JSON"):
        extract_json('{"a": [1, 2')

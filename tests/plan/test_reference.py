"""The plan-language reference and the JSON Schema are drawn from the models and kept in sync."""

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from comp_sim.plan import components, metrics, models, rules
from comp_sim.plan.components import COMPONENT_KINDS, MODIFIER_KINDS
from comp_sim.plan.reference import SECTIONS, plan_json_schema, render_reference, schema_text
from comp_sim.plan.rules import StrictModel

ROOT = Path(__file__).resolve().parents[2]


def test_docs_file_matches_the_models():
    kept = (ROOT / "docs" / "plan-language.md").read_text()
    assert kept == render_reference(), "regenerate with `make schema`"


def test_schema_file_matches_the_models():
    kept = (ROOT / "comp_sim" / "schema" / "plan.schema.json").read_text()
    assert kept == schema_text(), "regenerate with `make schema`"


@pytest.mark.parametrize("model", [m for _, m, _ in SECTIONS], ids=lambda m: m.__name__)
def test_every_key_has_a_meaning_in_the_reference(model: type[BaseModel]):
    reference = render_reference()
    for name, field in model.model_fields.items():
        assert field.description, f"{model.__name__}.{name} needs a description"
        assert f"| `{name}` |" in reference


def test_every_plan_model_is_documented():
    documented = {m for _, m, _ in SECTIONS}
    plan_models = {
        obj for module in (models, components, metrics, rules) for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, StrictModel) and obj is not StrictModel
        and obj.__module__ == module.__name__
    }
    concrete = {m for m in plan_models if not any(
        issubclass(other, m) and other is not m for other in plan_models)}
    # the concrete component/modifier kinds only combine documented parts
    combined = set(COMPONENT_KINDS) | set(MODIFIER_KINDS)
    assert concrete - combined <= documented


def test_schema_accepts_the_bundled_plans_shape():
    schema = plan_json_schema()
    assert schema["title"] == "Plan"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"plan", "id", "start", "roles", "components"}
    json.dumps(schema)  # serialisable as written to disk

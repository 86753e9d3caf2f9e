"""Column mappings: how a CRM export's files, columns and values become the tables of SPEC "Data".

A mapping file is YAML, one entry per table, every key optional:

```yaml
deals:
  file: opportunities.csv                 # the export's file name in the data folder
  columns: {deal_id: Id, amount: Amount}  # our column: the export's column
  filter: {StageName: Closed Won}         # keep rows whose column equals the value (or one of a list)
  values: {new_logo: {New Business: true, Existing Business: false}}   # export value -> ours
```

``--map deals.amount=Amount`` pairs rename columns the same way and win over the file.

>>> mapping = load_mapping({"deals": {"columns": {"amount": "Amount"}}}, ["deals.rep_id=OwnerId"])
>>> mapping.table("deals").columns
{'amount': 'Amount', 'rep_id': 'OwnerId'}
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from comp_sim.data.dataset import TABLES
from comp_sim.errors import NO_VALUE, DataError, Issue, UsageError
from comp_sim.limits import MAX_MAPPING_BYTES
from comp_sim.output import read_text_bounded
from comp_sim.plan.loader import format_path
from comp_sim.safe_yaml import parse_yaml, plain

Scalar = Union[bool, int, float, str]


class TableMapping(BaseModel):
    """Where one table comes from in an export, and how its columns and values translate."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = Field(None, description="The file in the data folder that holds this table.")
    sheet: str | None = Field(None, description="The sheet of an .xlsx file that holds this table.")
    columns: dict[str, str] = Field(default_factory=dict, description="Our column name: the export's column name.")
    filter: dict[str, Union[Scalar, list[Scalar]]] = Field(
        default_factory=dict, description="Keep rows whose (export) column equals the value or one of a list.")
    values: dict[str, dict[str, Scalar]] = Field(
        default_factory=dict, description="Per column (our name): export value -> our value.")


class Mapping(BaseModel):
    """A mapping for each table of an export; tables not named are read as they are."""

    model_config = ConfigDict(extra="forbid")

    reps: TableMapping | None = None
    quotas: TableMapping | None = None
    deals: TableMapping | None = None
    forecasts: TableMapping | None = None
    mbo: TableMapping | None = None
    _source: str = PrivateAttr("<mapping>")

    @property
    def source(self) -> str:
        """The mapping file (or ``--map``) named in errors."""
        return self._source

    def table(self, name: str) -> TableMapping:
        return getattr(self, name) or TableMapping()


def load_mapping(source: str | Path | dict | Mapping | None, pairs: Sequence[str] = ()) -> Mapping | None:
    """A mapping from a YAML file, a dict or a Mapping, with ``--map`` pairs merged over it
    (None when there is neither). Raises DataError for a bad file, UsageError for a bad pair."""
    if source is None and not pairs:
        return None
    if isinstance(source, Mapping):
        mapping = source
    elif isinstance(source, dict):
        mapping = _validate(source, "<mapping>")
    elif source is None:
        return parse_map_pairs(pairs)
    else:
        mapping = _validate(_read(Path(source)), str(source))
    if not pairs:
        return mapping
    merged = merge(mapping, parse_map_pairs(pairs))
    merged._source = f"{mapping.source} with --map"
    return merged


def parse_map_pairs(pairs: Sequence[str]) -> Mapping:
    """``["deals.amount=Amount", ...]`` as a mapping that renames those columns.

    >>> parse_map_pairs(["reps.role=Sales_Role__c"]).table("reps").columns
    {'role': 'Sales_Role__c'}
    """
    tables: dict[str, dict[str, dict[str, str]]] = {}
    issues = []
    for pair in pairs:
        target, equals, column = pair.partition("=")
        table, dot, ours = target.strip().partition(".")
        if not equals or not dot or not ours.strip() or not column.strip():
            issues.append(Issue("a column mapping is written TABLE.COLUMN=EXPORT_COLUMN, "
                                "e.g. deals.amount=Amount", source="--map", value=pair))
        elif table not in TABLES:
            issues.append(Issue(f"unknown table '{table}'{_suggest(table, TABLES)} "
                                f"(tables: {', '.join(TABLES)})", source="--map", value=pair))
        else:
            tables.setdefault(table, {"columns": {}})["columns"][ours.strip()] = column.strip()
    if issues:
        raise UsageError(issues)
    mapping = Mapping.model_validate(tables)
    mapping._source = "--map"
    return mapping


def merge(base: Mapping, over: Mapping) -> Mapping:
    """``base`` with the column renames of ``over`` replacing its own for the same columns."""
    merged = base.model_copy(deep=True)
    for name in TABLES:
        extra = getattr(over, name)
        if extra is not None:
            table = merged.table(name)
            setattr(merged, name, table.model_copy(update={"columns": {**table.columns, **extra.columns}}))
    merged._source = base.source
    return merged


def _read(path: Path) -> Any:
    """The mapping file's YAML as plain data, refused with the plan reader's guards (no tags,
    aliases or deep nesting: ``comp_sim.safe_yaml``)."""
    text = read_text_bounded(path, "mapping file", MAX_MAPPING_BYTES, DataError)
    tree = plain(parse_yaml(text, str(path), "mapping file", DataError, limit=MAX_MAPPING_BYTES))
    if tree is None:
        return {}
    if not isinstance(tree, dict):
        raise DataError(Issue(f"a mapping file is a YAML mapping of tables ({', '.join(TABLES)})",
                              source=str(path), line=1))
    return tree


def _validate(data: dict, source: str) -> Mapping:
    data = _keys_as_text(data)
    try:
        mapping = Mapping.model_validate(data)
    except ValidationError as exc:
        issues: dict[str, Issue] = {}
        for error in exc.errors():
            issue = _issue(error, data, source)
            issues.setdefault(issue.path or "", issue)  # a union reports once per member type
        raise DataError(list(issues.values())) from None
    mapping._source = source
    return mapping


def _keys_as_text(node: Any) -> Any:
    """YAML keys such as ``1`` or ``true`` (an export value in ``values``) as the text they were."""
    if isinstance(node, dict):
        return {_key_text(k): _keys_as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_keys_as_text(v) for v in node]
    return node


def _key_text(key: Any) -> Any:
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key) if isinstance(key, (int, float)) else key


def _issue(error: Any, data: dict, source: str) -> Issue:
    loc = _data_loc(data, error["loc"])
    if error["type"] == "extra_forbidden":
        key = str(loc[-1])
        allowed = TABLES if len(loc) == 1 else tuple(TableMapping.model_fields)
        return Issue(f"unknown key '{key}'{_suggest(key, allowed)} (allowed: {', '.join(allowed)})",
                     source=source, path=format_path(loc))
    value = error.get("input", NO_VALUE)
    if isinstance(value, (dict, list)):
        value = NO_VALUE
    if len(loc) == 3 and loc[1] == "filter":
        message = "must be a text, a number, true/false or a list of them"
    elif len(loc) == 4 and loc[1] == "values":
        message = "must be a text, a number or true/false"
    else:
        message = error["msg"].replace("Input should be", "must be")
    return Issue(message, source=source, path=format_path(loc) or None, value=value)


def _data_loc(data: Any, loc: Sequence[Any]) -> tuple:
    """The part of a pydantic error location that names keys of the data (not union members)."""
    path = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            continue
        path.append(part)
    return tuple(path)


def _suggest(word: str, allowed: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(allowed), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""

"""Serialization of cached values: types survive the round trip, bad values fail loudly."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from pydantic import BaseModel

from afirgen_fixtures.cache.serialization import TYPE_TAG, dumps, loads

IST = dt.timezone(dt.timedelta(hours=5, minutes=30))


class Complaint(BaseModel):
    fir_number: str
    filed_at: dt.datetime
    incident_date: dt.date
    amount: Decimal
    sections: list[str]


COMPLAINT = Complaint(
    fir_number="FIR-2024-000001",
    filed_at=dt.datetime(2024, 3, 1, 10, 30, tzinfo=IST),
    incident_date=dt.date(2024, 2, 28),
    amount=Decimal("1500.50"),
    sections=["379", "411"],
)


@pytest.mark.parametrize(
    "value",
    [
        "text with unicode: शिकायत",
        0,
        -17,
        3.25,
        True,
        None,
        [1, "two", None],
        {"nested": {"list": [1, 2], "flag": False}},
        dt.datetime(2024, 3, 1, 10, 30, 15, 123456),
        dt.datetime(2024, 3, 1, 10, 30, tzinfo=IST),
        dt.date(2024, 3, 1),
        Decimal("12345.6789"),
        uuid.UUID("12345678-1234-5678-1234-567812345678"),
        {"created_at": dt.datetime(2024, 1, 2, 3, 4, 5), "ids": [uuid.UUID(int=7)]},
    ],
    ids=repr,
)
def test_round_trip_keeps_value_and_type(value: object) -> None:
    restored = loads(dumps(value))
    assert restored == value
    assert type(restored) is type(value)


def test_datetime_inside_a_dict_comes_back_as_datetime() -> None:
    restored = loads(dumps({"when": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)}))
    assert isinstance(restored["when"], dt.datetime)
    assert restored["when"].tzinfo is not None


def test_model_is_stored_as_its_json_dump() -> None:
    assert json.loads(dumps(COMPLAINT)) == COMPLAINT.model_dump(mode="json")
    assert loads(dumps(COMPLAINT)) == COMPLAINT.model_dump(mode="json")


def test_model_validates_back_with_model_argument() -> None:
    assert loads(dumps(COMPLAINT), Complaint) == COMPLAINT


def test_list_of_models_validates_back() -> None:
    second = COMPLAINT.model_copy(update={"fir_number": "FIR-2024-000002"})
    restored = loads(dumps([COMPLAINT, second]), Complaint)
    assert restored == [COMPLAINT, second]
    assert all(isinstance(item, Complaint) for item in restored)


def test_a_user_dict_that_looks_like_a_tag_but_is_not_one_is_kept() -> None:
    value = {TYPE_TAG: "not-a-known-type", "value": "x"}
    assert loads(dumps(value)) == value


def test_unserializable_value_raises_type_error_naming_the_type() -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="Opaque"):
        dumps({"field": Opaque()})


def test_circular_value_raises_type_error() -> None:
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(TypeError, match="cannot cache"):
        dumps(looped)

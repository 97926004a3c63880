"""CaseInsensitiveDict and LookupDict behave like requests.structures' classes."""

from collections.abc import Mapping, MutableMapping
from typing import Any

import pytest
import requests.structures

from requestx import structures
from requestx.structures import CaseInsensitiveDict, LookupDict


def test_all_lists_both_classes() -> None:
    assert set(structures.__all__) == {"CaseInsensitiveDict", "LookupDict"}


class TestCaseInsensitiveDict:
    @pytest.fixture
    def cid(self) -> CaseInsensitiveDict[str]:
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        headers["Accept"] = "application/json"
        return headers

    def test_is_a_mutable_mapping(self, cid: CaseInsensitiveDict[str]) -> None:
        assert isinstance(cid, MutableMapping)
        assert not issubclass(CaseInsensitiveDict, dict)

    def test_iteration_shows_the_set_case(self, cid: CaseInsensitiveDict[str]) -> None:
        assert list(cid) == ["Accept"]
        assert list(cid.keys()) == ["Accept"]
        assert list(cid.items()) == [("Accept", "application/json")]
        assert len(cid) == 1

    @pytest.mark.parametrize("key", ["accept", "ACCEPT", "aCcEpT", "Accept"])
    def test_lookup_ignores_case(self, cid: CaseInsensitiveDict[str], key: str) -> None:
        assert cid[key] == "application/json"
        assert key in cid
        assert cid.get(key) == "application/json"

    @pytest.mark.parametrize("key", ["accept", "ACCEPT", "aCcEpT", "Accept"])
    def test_delete_ignores_case(self, cid: CaseInsensitiveDict[str], key: str) -> None:
        del cid[key]
        assert key not in cid
        assert len(cid) == 0

    def test_missing_key_raises_key_error(self, cid: CaseInsensitiveDict[str]) -> None:
        with pytest.raises(KeyError):
            cid["Content-Type"]
        assert cid.get("Content-Type") is None

    def test_the_last_set_case_wins_and_the_position_stays(self) -> None:
        cid = CaseInsensitiveDict({"Accept": "a", "Host": "h"})
        cid["ACCEPT"] = "b"
        assert list(cid.items()) == [("ACCEPT", "b"), ("Host", "h")]

    def test_lower_items(self) -> None:
        cid = CaseInsensitiveDict({"Accept": "a", "X-Thing": "t"})
        assert list(cid.lower_items()) == [("accept", "a"), ("x-thing", "t")]

    def test_repr_is_a_dict_of_the_cased_keys(self, cid: CaseInsensitiveDict[str]) -> None:
        assert repr(cid) == "{'Accept': 'application/json'}"
        assert str(cid) == repr(cid)

    def test_constructor_takes_mapping_pairs_and_keywords(self) -> None:
        assert dict(CaseInsensitiveDict({"A": "1"})) == {"A": "1"}
        assert dict(CaseInsensitiveDict([("A", "1"), ("b", "2")])) == {"A": "1", "b": "2"}
        assert dict(CaseInsensitiveDict(None, Foo="x")) == {"Foo": "x"}
        assert dict(CaseInsensitiveDict()) == {}

    def test_update_and_setdefault_come_from_mutable_mapping(self) -> None:
        cid = CaseInsensitiveDict({"Accept": "a"})
        cid.update({"accept": "b"}, Host="h")
        assert dict(cid) == {"accept": "b", "Host": "h"}
        assert cid.setdefault("HOST", "other") == "h"
        assert cid.pop("host") == "h"

    def test_copy_is_independent_and_keeps_case(self, cid: CaseInsensitiveDict[str]) -> None:
        copy = cid.copy()
        assert copy is not cid
        assert isinstance(copy, CaseInsensitiveDict)
        assert copy == cid
        copy["X-New"] = "1"
        assert "X-New" not in cid
        assert list(copy) == ["Accept", "X-New"]

    @pytest.mark.parametrize(
        ("other", "equal"),
        [
            ({"AccePT": "application/json"}, True),
            ({"accept": "application/json"}, True),
            ({"accept": "text/html"}, False),
            ({"accept": "application/json", "host": "h"}, False),
            ({}, False),
            (None, False),
            ([("Accept", "application/json")], False),
            ("Accept", False),
        ],
    )
    def test_equality(self, cid: CaseInsensitiveDict[str], other: object, *, equal: bool) -> None:
        assert (cid == other) is equal
        assert (cid != other) is not equal

    def test_equality_with_another_case_insensitive_dict(self) -> None:
        assert CaseInsensitiveDict({"A": "1"}) == CaseInsensitiveDict({"a": "1"})
        # Keys compare without case, values with it.
        assert CaseInsensitiveDict({"A": "x"}) != CaseInsensitiveDict({"a": "X"})

    def test_equality_with_a_non_dict_mapping(self) -> None:
        class Frozen(Mapping[str, str]):
            def __getitem__(self, key: str) -> str:
                return {"ACCEPT": "application/json"}[key]

            def __iter__(self) -> Any:
                return iter(["ACCEPT"])

            def __len__(self) -> int:
                return 1

        assert CaseInsensitiveDict({"accept": "application/json"}) == Frozen()

    def test_is_not_hashable(self, cid: CaseInsensitiveDict[str]) -> None:
        with pytest.raises(TypeError):
            hash(cid)

    def test_same_results_as_requests(self) -> None:
        data = [("Content-Type", "a"), ("X-One", "1"), ("content-TYPE", "b")]
        ours: CaseInsensitiveDict[str] = CaseInsensitiveDict(data)
        theirs: requests.structures.CaseInsensitiveDict[str] = (
            requests.structures.CaseInsensitiveDict(data)
        )
        for mapping in (ours, theirs):
            mapping["x-one"] = "2"
            mapping.setdefault("Host", "h")
            del mapping["HOST"]
            mapping["Z"] = "z"
        assert list(ours.items()) == list(theirs.items())
        assert list(ours.lower_items()) == list(theirs.lower_items())
        assert repr(ours) == repr(theirs)
        assert ours == theirs
        assert theirs == ours


class TestLookupDict:
    @pytest.fixture
    def lookup(self) -> LookupDict[int]:
        table: LookupDict[int] = LookupDict("test")
        table.bad_gateway = 502
        return table

    def test_repr(self, lookup: LookupDict[int]) -> None:
        assert repr(lookup) == "<lookup 'test'>"
        assert repr(LookupDict()) == "<lookup 'None'>"

    def test_name(self, lookup: LookupDict[int]) -> None:
        assert lookup.name == "test"

    @pytest.mark.parametrize(("key", "value"), [("bad_gateway", 502), ("not_a_key", None)])
    def test_item_lookup_falls_through_to_none(
        self, lookup: LookupDict[int], key: str, value: int | None
    ) -> None:
        assert lookup[key] == value
        assert lookup.get(key) == value

    def test_get_default(self, lookup: LookupDict[int]) -> None:
        assert lookup.get("not_a_key", 7) == 7
        assert lookup.get("not_a_key", default="x") == "x"
        assert lookup.get("bad_gateway", 7) == 502

    def test_attribute_lookup(self, lookup: LookupDict[int]) -> None:
        assert lookup.bad_gateway == 502
        assert hasattr(lookup, "bad_gateway")
        assert not hasattr(lookup, "not_a_key")
        with pytest.raises(AttributeError, match="not_a_key"):
            _ = lookup.not_a_key
        assert getattr(lookup, "not_a_key", None) is None

    def test_the_dict_itself_stays_empty(self, lookup: LookupDict[int]) -> None:
        # As in requests: values are attributes, not items.
        assert isinstance(lookup, dict)
        assert len(lookup) == 0
        assert "bad_gateway" not in lookup
        assert dict(lookup) == {}

    def test_same_answers_as_requests(self) -> None:
        ours: LookupDict[int] = LookupDict("x")
        theirs: requests.structures.LookupDict[int] = requests.structures.LookupDict("x")
        for table in (ours, theirs):
            setattr(table, "ok", 200)  # noqa: B010 - requests' LookupDict has no typed setattr
        for key in ("ok", "missing", "name"):
            assert ours[key] == theirs[key]
            assert ours.get(key, 1) == theirs.get(key, 1)
        assert repr(ours) == repr(theirs)
        assert len(ours) == len(theirs)

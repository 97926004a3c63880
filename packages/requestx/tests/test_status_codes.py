"""requestx's ``codes`` knows every name requests knows, for the same numbers."""

import pytest
import requests
import requests.status_codes

from requestx import status_codes
from requestx.status_codes import codes
from requestx.structures import LookupDict


def _names(table: object) -> dict[str, object]:
    return {name: value for name, value in vars(table).items() if name != "name"}


def test_all() -> None:
    assert status_codes.__all__ == ["codes"]


def test_codes_is_a_lookup_dict_named_status_codes() -> None:
    assert isinstance(codes, LookupDict)
    assert codes.name == "status_codes"
    assert repr(codes) == "<lookup 'status_codes'>"


def test_every_name_and_number_matches_requests() -> None:
    assert _names(codes) == _names(requests.codes)


def test_there_are_many_names() -> None:
    # Guards the comparison above against two empty tables agreeing.
    assert len(_names(codes)) > 200


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("continue", 100),
        ("early-hints", 102),
        ("ok", 200),
        ("OK", 200),
        ("okay", 200),
        ("all_good", 200),
        ("\\o/", 200),
        ("✓", 200),
        ("created", 201),
        ("no_content", 204),
        ("moved", 301),
        ("\\o-", 301),
        ("found", 302),
        ("temporary_redirect", 307),
        ("TEMPORARY_REDIRECT", 307),
        ("permanent_redirect", 308),
        ("resume", 308),
        ("bad_request", 400),
        ("unauthorized", 401),
        ("not_found", 404),
        ("NOT_FOUND", 404),
        ("-o-", 404),
        ("-O-", 404),
        ("teapot", 418),
        ("im_a_teapot", 418),
        ("I_AM_A_TEAPOT", 418),
        ("too_many_requests", 429),
        ("internal_server_error", 500),
        ("/o\\", 500),
        ("✗", 500),
        ("service_unavailable", 503),
        ("network_authentication_required", 511),
    ],
)
def test_known_names(name: str, code: int) -> None:
    assert codes[name] == code
    assert getattr(codes, name) == code
    assert codes.get(name) == code


def test_attribute_access_is_typed_and_works() -> None:
    assert codes.ok == 200
    assert codes.OK == 200
    assert codes.not_found == 404
    assert codes.teapot == 418


def test_repeated_names_end_on_the_later_code_like_requests() -> None:
    assert codes.precondition == 428
    assert codes.uri_too_long == 414
    assert codes.URI_TOO_LONG == 414


def test_slash_names_have_no_upper_case_twin() -> None:
    assert codes["\\O/"] is None
    assert codes["/O\\"] is None
    assert codes["\\O-"] is None


def test_unknown_names() -> None:
    assert codes["no_such_status"] is None
    assert codes.get("no_such_status", 0) == 0
    with pytest.raises(AttributeError):
        _ = codes.no_such_status


def test_module_docstring_lists_every_code_like_requests() -> None:
    assert status_codes.__doc__ is not None
    assert requests.status_codes.__doc__ is not None
    ours = status_codes.__doc__.split("\n* 100: ", 1)[1]
    theirs = requests.status_codes.__doc__.split("\n* 100: ", 1)[1]
    assert ours == theirs
    assert "* 418: ``im_a_teapot``, ``teapot``, ``i_am_a_teapot``" in status_codes.__doc__
    assert "* 200: ``ok``, ``okay``, ``all_ok``, ``all_okay``, ``all_good``, ``\\o/``, ``✓``" in (
        status_codes.__doc__
    )

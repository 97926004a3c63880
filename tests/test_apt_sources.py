"""tools/apt_sources.py: the host's apt configuration read as debootstrap needs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from apt_sources import (
    AptSourceError,
    choose_bootstrap_source,
    host_codename,
    parse_deb822,
    parse_one_line,
    read_apt_sources,
)

DEB822 = """\
Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NlOB5DL8...
 -----END PGP PUBLIC KEY BLOCK-----

Types: deb
URIs: http://off.example/debian
Suites: trixie
Components: main
Enabled: no
"""


def _etc(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "etc" / "apt" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_deb822_paragraphs_with_comments_inline_keys_and_disabled_entries() -> None:
    sources = parse_deb822(DEB822, "debian.sources")
    assert [(s.uri, s.suites) for s in sources] == [
        ("http://mirror.example/debian", ("bookworm", "bookworm-updates")),
        ("http://mirror.example/debian-security", ("bookworm-security",)),
    ]
    assert sources[0].components == ("main", "contrib")
    assert sources[0].signed_by == "/usr/share/keyrings/debian-archive-keyring.gpg"
    assert sources[1].signed_by is None  # an inline key is no file debootstrap can take


def test_one_line_entries_with_options_comments_and_deb_src() -> None:
    text = """
    # deb http://commented.example/debian bookworm main
    deb-src http://mirror.example/debian bookworm main
    deb [arch=amd64 signed-by=/etc/apt/keyrings/u.gpg] http://ar.example/ubuntu noble main universe
    deb http://mirror.example/debian bookworm main  # trailing comment
    """
    sources = parse_one_line(text.replace("\n    ", "\n"), "sources.list")
    assert [(s.uri, s.suites, s.components, s.signed_by) for s in sources] == [
        ("http://ar.example/ubuntu", ("noble",), ("main", "universe"),
         "/etc/apt/keyrings/u.gpg"),
        ("http://mirror.example/debian", ("bookworm",), ("main",), None),
    ]  # fmt: skip


def test_files_apt_ignores_are_ignored(tmp_path: Path) -> None:
    root = _etc(tmp_path, {
        "sources.list": "deb http://one.example/debian bookworm main\n",
        "sources.list.d/debian.sources": DEB822,
        "sources.list.d/nodesource.sources.disabled-by-farm": DEB822.replace("mirror", "node"),
        "sources.list.d/extra.list": "deb https://two.example/debian bookworm main\n",
        "sources.list.d/old.list.save": "deb http://three.example/debian bookworm main\n",
    })  # fmt: skip
    uris = [source.uri for source in read_apt_sources(root)]
    assert uris == [
        "http://one.example/debian",
        "http://mirror.example/debian",
        "http://mirror.example/debian-security",
        "https://two.example/debian",
    ]


def test_the_hosts_own_release_is_chosen_with_its_mirror_and_keyring() -> None:
    sources = parse_one_line("deb http://old.example/debian bullseye main\n") + parse_deb822(DEB822)
    chosen = choose_bootstrap_source(sources, "bookworm")
    assert (chosen.uri, chosen.suite, chosen.components) == (
        "http://mirror.example/debian", "bookworm", ("main",),
    )  # fmt: skip
    assert chosen.keyring == "/usr/share/keyrings/debian-archive-keyring.gpg"
    assert chosen.key() == "http://mirror.example/debian bookworm main"


def test_without_a_codename_the_first_release_suite_wins() -> None:
    sources = parse_deb822(DEB822)
    assert choose_bootstrap_source(sources, None).suite == "bookworm"
    # Only updates and security suites: nothing a distribution can be bootstrapped from.
    with pytest.raises(AptSourceError, match="no apt entry can seed debootstrap"):
        choose_bootstrap_source(sources[1:], "bookworm")


def test_entries_debootstrap_cannot_use_are_refused_with_what_was_seen() -> None:
    sources = parse_one_line(
        "deb cdrom:[Debian 12]/ bookworm main\ndeb http://m.example/debian bookworm contrib\n",
        "sources.list",
    )
    with pytest.raises(AptSourceError, match=r"cdrom:\[Debian 12\] bookworm \(sources.list\)"):
        choose_bootstrap_source(sources, "bookworm")


def test_the_codename_comes_from_os_release(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    assert host_codename(tmp_path) is None
    (tmp_path / "etc" / "os-release").write_text(
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n'
    )
    assert host_codename(tmp_path) == "bookworm"


def test_this_host_has_a_usable_source_when_it_uses_apt() -> None:
    if not Path("/etc/apt").is_dir():
        pytest.skip("this host has no apt configuration")
    chosen = choose_bootstrap_source(read_apt_sources(), host_codename())
    assert chosen.uri.startswith(("http://", "https://", "file:/"))
    assert "-" not in chosen.suite

"""The Debian (or Ubuntu) mirror and suite this host's apt already uses, read from its config.

The offline base image (tools/debian_base.py) is bootstrapped from exactly that mirror, so it
reaches no host the machine does not already install packages from. Both source formats are
read: one-line `deb [options] URI SUITE COMPONENT...` entries (sources.list, *.list) and
deb822 paragraphs (*.sources). Files with other endings are apt's own "disabled" convention and
are skipped, as are `Enabled: no` paragraphs and `deb-src` entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "AptSource",
    "AptSourceError",
    "BootstrapSource",
    "choose_bootstrap_source",
    "host_codename",
    "parse_deb822",
    "parse_one_line",
    "read_apt_sources",
]

# Schemes debootstrap can fetch from.
_FETCHABLE = ("http://", "https://", "file:/")
_OPTIONS = re.compile(r"^\[([^\]]*)\]\s*")


class AptSourceError(RuntimeError):
    """No entry of the apt configuration can serve as a debootstrap mirror."""


@dataclass(frozen=True)
class AptSource:
    """One `deb` entry: a mirror URI with its suites and components."""

    uri: str
    suites: tuple[str, ...]
    components: tuple[str, ...]
    #: A keyring file (Signed-By / signed-by=), when the entry names one by path.
    signed_by: str | None = None
    origin: str = ""


@dataclass(frozen=True)
class BootstrapSource:
    """What debootstrap is given: mirror, suite, components and (optionally) a keyring."""

    uri: str
    suite: str
    components: tuple[str, ...]
    keyring: str | None

    def key(self) -> str:
        """A stable text naming the choice, for content hashes."""
        return f"{self.uri} {self.suite} {','.join(self.components)}"


def _keyring_path(value: str | None) -> str | None:
    # Signed-By holds either a path or an inline ASCII-armoured key; only a path is usable.
    if value is None:
        return None
    first = value.strip().splitlines()[0].strip() if value.strip() else ""
    return first if first.startswith("/") else None


def _fields(text: str) -> list[str]:
    """Whitespace-separated fields, where `[...]` groups (cdrom:[Debian 12 ...]/) stay whole."""
    fields: list[str] = []
    current, depth = "", 0
    for character in text:
        if character.isspace() and depth == 0:
            if current:
                fields.append(current)
            current = ""
            continue
        depth += {"[": 1, "]": -1}.get(character, 0)
        current += character
    if current:
        fields.append(current)
    return fields


def parse_one_line(text: str, origin: str = "") -> list[AptSource]:
    """`deb [signed-by=/k.gpg arch=amd64] http://mirror/debian bookworm main contrib` lines."""
    sources = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line.startswith("deb ") and not line.startswith("deb\t"):
            continue
        rest = line[3:].strip()
        options: dict[str, str] = {}
        match = _OPTIONS.match(rest)
        if match:
            for option in match.group(1).split():
                name, _, value = option.partition("=")
                options[name.lower()] = value
            rest = rest[match.end() :]
        fields = _fields(rest)
        if len(fields) < 2:
            continue
        sources.append(
            AptSource(
                uri=fields[0].rstrip("/"),
                suites=(fields[1],),
                components=tuple(fields[2:]),
                signed_by=_keyring_path(options.get("signed-by")),
                origin=origin,
            )
        )
    return sources


def _paragraphs(text: str) -> list[dict[str, str]]:
    paragraphs: list[dict[str, str]] = []
    current: dict[str, str] = {}
    name = ""
    for raw in [*text.splitlines(), ""]:
        if raw.startswith("#"):
            continue
        if not raw.strip():
            if current:
                paragraphs.append(current)
            current, name = {}, ""
            continue
        if raw[0] in " \t" and name:  # a continuation line of the field above
            current[name] += "\n" + raw.strip()
            continue
        field, separator, value = raw.partition(":")
        if separator:
            name = field.strip().lower()
            current[name] = value.strip()
    return paragraphs


def parse_deb822(text: str, origin: str = "") -> list[AptSource]:
    """deb822 paragraphs (`Types: deb`, `URIs:`, `Suites:`, `Components:`, `Signed-By:`)."""
    sources: list[AptSource] = []
    for paragraph in _paragraphs(text):
        if paragraph.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in paragraph.get("types", "").split():
            continue
        suites = tuple(paragraph.get("suites", "").split())
        components = tuple(paragraph.get("components", "").split())
        sources.extend(
            AptSource(
                uri=uri.rstrip("/"),
                suites=suites,
                components=components,
                signed_by=_keyring_path(paragraph.get("signed-by")),
                origin=origin,
            )
            for uri in paragraph.get("uris", "").split()
        )
    return sources


def read_apt_sources(root: Path = Path("/")) -> list[AptSource]:
    """Every enabled `deb` entry of `root`/etc/apt, in apt's own order."""
    etc = root / "etc" / "apt"
    sources: list[AptSource] = []
    main_list = etc / "sources.list"
    if main_list.is_file():
        sources.extend(parse_one_line(main_list.read_text(encoding="utf-8"), str(main_list)))
    parts = etc / "sources.list.d"
    if parts.is_dir():
        for path in sorted(parts.iterdir()):
            if path.suffix == ".list":
                sources.extend(parse_one_line(path.read_text(encoding="utf-8"), str(path)))
            elif path.suffix == ".sources":
                sources.extend(parse_deb822(path.read_text(encoding="utf-8"), str(path)))
    return sources


def host_codename(root: Path = Path("/")) -> str | None:
    """VERSION_CODENAME from os-release (bookworm, noble...), if the host says."""
    for candidate in (root / "etc" / "os-release", root / "usr" / "lib" / "os-release"):
        if candidate.is_file():
            for line in candidate.read_text(encoding="utf-8").splitlines():
                name, _, value = line.partition("=")
                if name.strip() == "VERSION_CODENAME" and value.strip().strip("\"'"):
                    return value.strip().strip("\"'")
    return None


def _is_release_suite(suite: str) -> bool:
    # bookworm, not bookworm-updates / bookworm-security / bookworm/updates: those are not
    # complete distributions and cannot be bootstrapped alone.
    return bool(suite) and "-" not in suite and "/" not in suite


def choose_bootstrap_source(
    sources: list[AptSource], codename: str | None = None
) -> BootstrapSource:
    """The entry of the host's own release (its codename) with `main`; else the first release.

    AptSourceError when no `deb` entry has a fetchable URI, a release suite and `main`.
    """
    usable = [
        source
        for source in sources
        if source.uri.startswith(_FETCHABLE) and "main" in source.components
    ]
    candidates = [
        (source, suite) for source in usable for suite in source.suites if _is_release_suite(suite)
    ]
    if codename is not None:
        matching = [(source, suite) for source, suite in candidates if suite == codename]
        candidates = matching or candidates
    if not candidates:
        seen = ", ".join(f"{s.uri} {' '.join(s.suites)} ({s.origin})" for s in sources) or "none"
        raise AptSourceError(
            "no apt entry can seed debootstrap (need a deb entry with an http(s) or file URI, "
            f"a release suite such as bookworm, and the main component); entries seen: {seen}"
        )
    source, suite = candidates[0]
    return BootstrapSource(
        uri=source.uri, suite=suite, components=("main",), keyring=source.signed_by
    )

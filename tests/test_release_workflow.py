"""The release workflow covers the platforms the release train promises, and publishes safely.

No GitHub runner is reachable from here, so this reads .github/workflows/release.yml: the
requestx wheel matrix, abi3 and free-threaded builds, a smoke test on every platform, trusted
publishing (OIDC, no token) with pre-releases on TestPyPI, the GitHub release, the images and
the docs. `nox -s lint` validates the file against GitHub's schema.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW: dict[Any, Any] = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
)
JOBS: dict[str, Any] = WORKFLOW["jobs"]
# PyYAML reads the bare key `on` as the boolean True (YAML 1.1).
TRIGGER: dict[str, Any] = WORKFLOW["on"] if "on" in WORKFLOW else WORKFLOW[True]


def _steps(job: str) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = JOBS[job]["steps"]
    return steps


def _uses(job: str, action: str) -> list[dict[str, Any]]:
    return [step for step in _steps(job) if str(step.get("uses", "")).startswith(action)]


def _platforms() -> list[dict[str, str]]:
    platforms: list[dict[str, str]] = JOBS["requestx"]["strategy"]["matrix"]["platform"]
    return platforms


def test_runs_on_version_tags_only() -> None:
    assert TRIGGER == {"push": {"tags": ["v*"]}}


def test_the_tag_is_checked_against_the_train_version_first() -> None:
    (check,) = [step for step in _steps("version") if step.get("id") == "check"]
    assert "tools/release_tag.py" in check["run"]
    assert "$GITHUB_REF_NAME" in check["run"]
    for job in ("requestx", "pure"):
        assert "version" in JOBS[job]["needs"]


@pytest.mark.parametrize(
    ("libc", "target"),
    [
        ("auto", "x86_64"),
        ("auto", "aarch64"),
        ("musllinux_1_2", "x86_64"),
        ("musllinux_1_2", "aarch64"),
    ],
)
def test_linux_wheels_for_glibc_and_musl_on_both_architectures(libc: str, target: str) -> None:
    assert any(
        platform.get("manylinux") == libc and platform["target"] == target
        for platform in _platforms()
    )


@pytest.mark.parametrize(
    ("runner_prefix", "target"),
    [("macos-15-intel", "x86_64"), ("macos-14", "aarch64"), ("windows", "x64")],
)
def test_macos_both_architectures_and_windows_x64(runner_prefix: str, target: str) -> None:
    assert any(
        platform["runner"].startswith(runner_prefix) and platform["target"] == target
        for platform in _platforms()
    )


def test_seven_platforms_and_no_others() -> None:
    assert len(_platforms()) == 7
    assert len({platform["name"] for platform in _platforms()}) == 7


def test_wheels_are_built_by_maturin_action_for_abi3_and_free_threaded() -> None:
    builds = _uses("requestx", "PyO3/maturin-action@")
    assert len(builds) == 2
    abi3, free_threaded = (" ".join(step["with"]["args"].split()) for step in builds)
    assert "--features pyo3/abi3-py311" in abi3
    assert "3.13t" in free_threaded
    assert "3.14t" in free_threaded
    assert "abi3" not in free_threaded  # the free-threaded ABI has no stable subset
    for step in builds:
        assert step["with"]["working-directory"] == "packages/requestx"
        assert step["with"]["target"] == "${{ matrix.platform.target }}"
        assert step["with"]["manylinux"] == "${{ matrix.platform.manylinux }}"
        assert "--release" in step["with"]["args"]


def test_every_wheel_is_smoke_tested_on_its_platform() -> None:
    smoke = [step for step in _steps("requestx") if "tools/smoke_test.py" in step.get("run", "")]
    assert len(smoke) == 2  # on the runner (glibc, macOS, Windows), and in Alpine (musl)
    assert any("alpine" in step["run"] for step in smoke)
    on_runner = next(step for step in smoke if "alpine" not in step["run"])
    assert set(on_runner["env"]) >= {"PY311", "PY313T", "PY314T"}
    pure = JOBS["smoke-pure"]["strategy"]["matrix"]
    assert {"ubuntu-latest", "windows-latest"} <= set(pure["os"])
    assert any(os.startswith("macos") for os in pure["os"])


def test_sdists_and_pure_wheels_are_built_and_checked() -> None:
    run = "\n".join(step.get("run", "") for step in _steps("pure"))
    assert "uv build --sdist --all-packages" in run
    for package in ("htk-aresilient", "htk-httpy", "htk-http-benchmark"):
        assert package in run
    assert "twine check --strict" in run


@pytest.mark.parametrize(
    ("job", "environment", "prerelease", "repository"),
    [
        ("publish-pypi", "pypi", "false", None),
        ("publish-testpypi", "testpypi", "true", "https://test.pypi.org/legacy/"),
    ],
)
def test_publishing_is_trusted_publishing(
    job: str, environment: str, prerelease: str, repository: str | None
) -> None:
    spec = JOBS[job]
    assert spec["environment"]["name"] == environment
    assert spec["permissions"] == {"id-token": "write"}
    assert spec["if"] == f"needs.version.outputs.prerelease == '{prerelease}'"
    assert {"requestx", "pure", "smoke-pure"} <= set(spec["needs"])
    (publish,) = _uses(job, "pypa/gh-action-pypi-publish@")
    settings = publish.get("with", {})
    assert settings.get("repository-url") == repository
    # Trusted publishing: no API token, no password anywhere in the step.
    assert not {"password", "user"} & set(settings)


def test_no_job_gets_more_than_it_needs() -> None:
    assert WORKFLOW["permissions"] == {"contents": "read"}
    writers = {job for job, spec in JOBS.items() if "id-token" in spec.get("permissions", {})}
    assert writers == {"publish-pypi", "publish-testpypi", "docs"}


def test_the_github_release_carries_the_changelog_section() -> None:
    run = "\n".join(step.get("run", "") for step in _steps("github-release"))
    assert "tools/changelog.py section" in run
    assert "towncrier build --draft" in run  # a pre-release's notes
    assert "gh release create" in run
    assert "--notes-file notes.md" in run
    assert JOBS["github-release"]["permissions"] == {"contents": "write"}


def test_images_for_amd64_and_arm64_on_ghcr_with_version_tags() -> None:
    images = {image["name"] for image in JOBS["images"]["strategy"]["matrix"]["image"]}
    assert images == {"httpy", "http-benchmark"}
    (build,) = _uses("images", "docker/build-push-action@")
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    assert build["with"]["push"] is True
    (meta,) = _uses("images", "docker/metadata-action@")
    assert meta["with"]["images"].startswith("ghcr.io/")
    assert "needs.version.outputs.version" in meta["with"]["tags"]
    assert JOBS["images"]["permissions"]["packages"] == "write"


def test_docs_are_built_strictly_and_deployed_to_pages() -> None:
    run = "\n".join(step.get("run", "") for step in _steps("docs"))
    assert "nox -s docs" in run
    assert _uses("docs", "actions/deploy-pages@")
    assert JOBS["docs"]["environment"]["name"] == "github-pages"
    assert JOBS["docs"]["permissions"] == {"pages": "write", "id-token": "write"}

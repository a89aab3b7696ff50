"""meltano.yml declares exactly the plugins' settings, secrets sensitive, from this repo."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent


def test_meltano_yml_is_generated_from_the_plugins_about_output() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "meltano_yml.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("kind", "name", "path"),
    [
        ("extractors", "tap-intercom", "./tap-intercom"),
        ("loaders", "target-azure-sqldw", "./target-azure-sqldw"),
    ],
)
def test_every_setting_and_secret_matches_about(kind: str, name: str, path: str) -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    plugin = next(p for p in project["plugins"][kind] if p["name"] == name)
    assert plugin["pip_url"] == f"-e {path}"
    about = json.loads(
        subprocess.run(
            [str(BIN / name), "--about", "--format=json"], capture_output=True, check=True
        ).stdout
    )
    properties = about["settings"]["properties"]
    declared = {s["name"]: s for s in plugin["settings"]}
    assert set(declared) == set(properties)
    secrets = {key for key, schema in properties.items() if schema.get("secret")}
    assert secrets, f"{name} declares no secret setting"
    assert {key for key, s in declared.items() if s.get("sensitive")} == secrets
    assert all(declared[key]["kind"] != "password" for key in declared)
    assert set(plugin["capabilities"]) == set(about["capabilities"])


def test_the_job_runs_tap_into_target() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    job = next(j for j in project["jobs"] if j["name"] == "intercom-to-sqldw")
    assert job["tasks"] == ["tap-intercom target-azure-sqldw"]
    assert {e["name"] for e in project["environments"]} >= {"devstack", "azure", "fabric"}


def test_the_fabric_environment_signs_in_with_entra_id_and_loads_with_copy() -> None:
    project = yaml.safe_load((ROOT / "meltano.yml").read_text())
    fabric = next(e for e in project["environments"] if e["name"] == "fabric")
    (loader,) = fabric["config"]["plugins"]["loaders"]
    assert loader["name"] == "target-azure-sqldw"
    # Fabric has no SQL logins and no PolyBase; the target refuses `auth_method: sql` there.
    assert loader["config"] == {
        "flavor": "fabric",
        "auth_method": "service_principal",
        "bulk_load_method": "copy",
        "encrypt": True,
        "trust_server_certificate": False,
    }

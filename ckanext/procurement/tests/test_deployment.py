"""The docker deployment, validated offline (no Docker engine here): it
stays in step with the local set-up and declares every service a city runs."""
from __future__ import annotations

import re
import subprocess

import yaml

from ckanext.procurement.tests.conftest import REPO_ROOT

DOCKER = REPO_ROOT / "docker"
LOCAL_ONLY = {"level", "sqlalchemy.url", "solr_url", "ckan.redis.url", "ckan.site_url", "ckan.site_title", "ckan.storage_path"}
# plain-http demo: cookies marked Secure would never come back
DOCKER_ONLY = {"ckanext.procurement.fiscal_year_start_month", "SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"}


def _ini_keys(text: str) -> set[str]:
    return set(re.findall(r'"([A-Za-z_][A-Za-z0-9_.]+)=', text))


def test_compose_file_declares_the_services():
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"ckan", "gather", "fetch", "jobs", "scheduler", "db", "solr", "redis"} <= set(services)
    assert services["solr"]["image"] == "ckan/ckan-solr:2.11-solr9"
    assert services["gather"]["command"][-2:] == ["harvester", "gather-consumer"]
    assert services["fetch"]["command"][-2:] == ["harvester", "fetch-consumer"]
    assert services["jobs"]["command"][-2:] == ["jobs", "worker"]  # regenerates the bulk files
    # consumers scale with --scale: no fixed names or host ports
    for name in ("gather", "fetch"):
        assert "container_name" not in services[name] and "ports" not in services[name]
    assert "harvester run" in " ".join(services["scheduler"]["command"])
    for name in ("ckan", "gather", "fetch", "jobs", "scheduler"):
        env = services[name]["environment"]
        assert {"CKAN_SQLALCHEMY_URL", "CKAN_SOLR_URL", "CKAN_REDIS_URL"} <= set(env)


def test_docker_and_local_set_up_apply_the_same_options():
    local = _ini_keys((REPO_ROOT / "scripts" / "ckan-ini.sh").read_text())
    docker = _ini_keys((DOCKER / "entrypoint.d" / "10-procurement.sh").read_text())
    assert local - LOCAL_ONLY == docker - DOCKER_ONLY


def test_generated_ini_protects_extensions_from_csrf(tmp_path):
    from ckan.cli import CKANConfigLoader

    ini = tmp_path / "ckan.ini"
    result = subprocess.run([str(REPO_ROOT / "scripts" / "ckan-ini.sh"), str(ini)], capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    config = CKANConfigLoader(str(ini)).get_config()
    assert config["ckan.csrf_protection.ignore_extensions"] == "false"
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_HTTPONLY"] == config["REMEMBER_COOKIE_HTTPONLY"] == "true"


def test_docker_cookies_are_secure_by_default():
    entrypoint = (DOCKER / "entrypoint.d" / "10-procurement.sh").read_text()
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        assert f'"{key}=${{CKAN_SESSION_COOKIE_SECURE:-true}}"' in entrypoint
    assert "CKAN_SESSION_COOKIE_SECURE" in (DOCKER / ".env.example").read_text()


def test_every_procurement_option_used_is_declared():
    declared = {o["key"] for g in yaml.safe_load((REPO_ROOT / "ckanext" / "procurement" / "config_declaration.yaml").read_text())["groups"]
                for o in g["options"]}
    used = set()
    for path in [REPO_ROOT / "scripts" / "ckan-ini.sh", DOCKER / "entrypoint.d" / "10-procurement.sh"]:
        used |= set(re.findall(r'"(ckanext\.procurement\.[a-z_.]+)=', path.read_text()))
    used |= set(re.findall(r"^(ckanext\.procurement\.[a-z_.]+)\s*=", (REPO_ROOT / "test.ini").read_text(), re.M))
    for source in (REPO_ROOT / "ckanext" / "procurement").rglob("*.py"):
        used |= set(re.findall(r'config(?:\.get)?[\(\[]\s*"(ckanext\.procurement\.[a-z_.]+)"', source.read_text()))
    assert used, "found no option"
    assert used <= declared, used - declared
    for group in yaml.safe_load((REPO_ROOT / "ckanext" / "procurement" / "config_declaration.yaml").read_text())["groups"]:
        for option in group["options"]:
            assert option.get("description"), option["key"]
            assert "default" in option, option["key"]


def test_shell_scripts_parse():
    for script in [DOCKER / "entrypoint.d" / "10-procurement.sh", *sorted((REPO_ROOT / "scripts").glob("*.sh")), REPO_ROOT / ".ci" / "run"]:
        result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert result.returncode == 0, (script, result.stderr)


def test_env_example_names_every_variable_the_entrypoint_reads():
    entrypoint = (DOCKER / "entrypoint.d" / "10-procurement.sh").read_text()
    example = (DOCKER / ".env.example").read_text()
    for variable in set(re.findall(r"\$\{(CKANEXT__PROCUREMENT__[A-Z_]+)", entrypoint)):
        assert variable in example, variable


def _declared_options() -> set[str]:
    groups = yaml.safe_load((REPO_ROOT / "ckanext" / "procurement" / "config_declaration.yaml").read_text())["groups"]
    return {option["key"] for group in groups for option in group["options"]}


def test_every_setting_the_security_section_names_is_declared():
    readme = (REPO_ROOT / "README.md").read_text()
    section = readme[readme.index("\n## Security\n"):]
    section = section[:section.index("\n## ", 1)]
    named = set(re.findall(r"ckanext\.procurement\.[a-z_.]*[a-z_]", section))
    assert {"ckanext.procurement.secret_key", "ckanext.procurement.harvest.auth_env_allowlist"} <= named
    assert named <= _declared_options(), named - _declared_options()


# an absolute path of a machine: its home folders, or where this clone happens to be
MACHINE_PATH = re.compile(r"(?<![\w$.}/])/(?:home|Users|root)/\w")


def test_no_absolute_path_of_a_machine_in_the_repository():
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    here = [str(REPO_ROOT), str(REPO_ROOT.resolve())]
    found = []
    for name in filter(None, files):
        path = REPO_ROOT / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        if any(root in text for root in here) or MACHINE_PATH.search(text):
            found.append(name)
    assert len(files) > 100 and found == []

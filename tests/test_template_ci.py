"""The generated Dockerfile, CI configuration and pre-commit hooks, checked offline.

No Docker engine and no CI service run here, so the Dockerfile is linted (hadolint) and read
instruction by instruction, and the CI files are validated against their schemas and audited
(zizmor); the generated CI builds the image for real.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import BIN, NESTED_TIMEOUT, Render, run_in
from readme import project_docs

SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
OCI_LABELS = ("title", "description", "authors", "licenses", "source")


def tool(name: str) -> str:
    return str(BIN / name)


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical, current = [], ""
    for raw in dockerfile.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def stages(dockerfile: Path) -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, in order (each starting with its FROM)."""
    result: list[list[tuple[str, str]]] = []
    for keyword, rest in instructions(dockerfile):
        if keyword == "FROM":
            result.append([])
        if result:
            result[-1].append((keyword, rest))
    return result


def labels(stage: list[tuple[str, str]]) -> dict[str, str]:
    found = {}
    for keyword, rest in stage:
        if keyword == "LABEL":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                found[key] = value.replace("\\$", "$")  # Docker unescapes \$; shlex does not
    return found


DOCKER_COMBOS = [
    {"ci": "github"},
    {"ci": "none", "python_version": "3.13", "license": "Proprietary", "project_name": "churn-x"},
    {"ci": "gitlab", "description": 'Quotes " and $dollars \\ kept'},
]


@pytest.mark.parametrize("answers", DOCKER_COMBOS, ids=lambda a: "-".join(map(str, a.values())))
def test_dockerfile_passes_hadolint_and_keeps_its_intent(render: Render, answers: dict) -> None:
    project = render(docker=True, **answers)
    dockerfile = project / "Dockerfile"
    lint = run_in(
        project, tool("hadolint"), "--failure-threshold", "style", "-f", "json", "Dockerfile"
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert json.loads(lint.stdout or "[]") == []

    name = answers.get("project_name", "ml-project")
    python = answers.get("python_version", "3.11")
    uv_stage, builder, runtime = stages(dockerfile)
    assert uv_stage[0][1].startswith("ghcr.io/astral-sh/uv:0.")  # uv pinned by version
    assert builder[0][1] == f"python:{python}-slim AS builder"
    assert runtime[0][1] == f"python:{python}-slim AS runtime"

    builder_text = " ".join(rest for _, rest in builder)
    assert "UV_COMPILE_BYTECODE=1" in builder_text
    assert "UV_LINK_MODE=copy" in builder_text
    syncs = [rest for key, rest in builder if key == "RUN" and "uv sync" in rest]
    assert len(syncs) == 2  # dependencies (cached layer), then the project
    for sync in syncs:
        assert "uv sync --locked --no-dev" in sync
        assert "--no-editable" in sync
        assert "--mount=type=cache,target=/root/.cache/uv" in sync

    # Runtime: only the venv and ssh-keygen (which verifies the signed audit records) come from
    # the builder; no uv, compilers, package installs or caches.
    copies_from = [rest for key, rest in runtime if key == "COPY" and "--from=" in rest]
    assert copies_from == [
        "--from=builder /app/.venv /app/.venv",
        "--from=builder /usr/bin/ssh-keygen /usr/bin/ssh-keygen",
    ]
    assert "openssh-client" in builder_text
    runtime_text = "\n".join(rest for _, rest in runtime)
    for forbidden in ("uv sync", "/bin/uv", "pip install", "apt-get", "gcc", "build-essential"):
        assert forbidden not in runtime_text
    copied = " ".join(rest for key, rest in runtime if key == "COPY" and "--from=" not in rest)
    assert "params.yaml" in copied
    assert "contracts" in copied
    assert "allowed_signers" in copied.split()  # the image verifies what the project verifies
    assert "src" not in copied.split()  # the code arrives installed in the venv

    users = [rest for key, rest in runtime if key == "USER"]
    assert users, "the runtime stage must set a USER"
    user = users[-1].split(":")[0]
    assert user not in {"0", "root"}
    assert [key for key, _ in runtime].index("USER") > max(
        i for i, (key, _) in enumerate(runtime) if key in {"RUN", "COPY"}
    )

    entrypoint = [json.loads(rest) for key, rest in runtime if key == "ENTRYPOINT"]
    cmd = [json.loads(rest) for key, rest in runtime if key == "CMD"]
    assert entrypoint == [[name]]
    assert cmd[0][0] == "predict"
    assert cmd[0][1].startswith("/data/")
    assert ("WORKDIR", "/app") in runtime

    found = labels(runtime)
    for key in OCI_LABELS:
        assert f"org.opencontainers.image.{key}" in found
    assert found["org.opencontainers.image.title"] == name
    license_label = found["org.opencontainers.image.licenses"]
    assert license_label == {"Proprietary": "LicenseRef-Proprietary"}.get(
        answers.get("license", "MIT"), answers.get("license", "MIT")
    )
    if "description" in answers:
        assert found["org.opencontainers.image.description"] == answers["description"]


def test_dockerfile_escapes_answers_in_labels(render: Render) -> None:
    project = render(docker=True, ci="none", description='say "hi" to $HOME')
    text = (project / "Dockerfile").read_text(encoding="utf-8")
    assert 'org.opencontainers.image.description="say \\"hi\\" to \\$HOME"' in text


def test_dockerignore_keeps_data_secrets_and_caches_out(render: Render) -> None:
    project = render(docker=True, ci="none")
    lines = {
        line.strip()
        for line in (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    for excluded in (".git/", ".env", "data/", "models/", ".venv/", ".nox/", ".pytest_cache/"):
        assert excluded in lines
    assert "**/__pycache__/" in lines
    # What the build needs must stay in the context.
    for needed in ("src", "pyproject.toml", "uv.lock", "README.md", "params.yaml", "contracts"):
        assert not any(line.rstrip("/") == needed for line in lines)


@pytest.mark.parametrize("ci", ["github", "gitlab", "none"])
def test_no_docker_files_when_docker_is_false(render: Render, ci: str) -> None:
    project = render(docker=False, ci=ci)
    assert not (project / "Dockerfile").exists()
    assert not (project / ".dockerignore").exists()
    assert "## Docker" not in project_docs(project)
    hooks = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "hadolint" not in hooks


def github_steps(workflow: dict) -> list[dict]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("docker", [True, False])
def test_github_workflow_is_valid_pinned_and_least_privilege(render: Render, docker: bool) -> None:
    project = render(ci="github", docker=docker)
    assert not (project / ".gitlab-ci.yml").exists()
    workflows = sorted((project / ".github" / "workflows").glob("*.y*ml"))
    assert "ci.yml" in [path.name for path in workflows]
    for path in workflows:
        check = run_in(
            project,
            tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        )
        assert check.returncode == 0, check.stdout + check.stderr
    dependabot = project / ".github" / "dependabot.yml"
    check = run_in(
        project, tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(dependabot)
    )
    assert check.returncode == 0, check.stdout + check.stderr

    audit = run_in(project, tool("zizmor"), "--offline", "--format", "json", ".github")
    findings = json.loads(audit.stdout)
    high = [f for f in findings if f["determinations"]["severity"] == "High"]
    assert high == [], high
    assert audit.returncode == 0, audit.stdout  # no finding at all, any severity

    ci = project / ".github" / "workflows" / "ci.yml"
    workflow = yaml.safe_load(ci.read_text(encoding="utf-8"))
    assert workflow["permissions"] == {}
    assert "group" in workflow["concurrency"]
    for job in workflow["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
    steps = github_steps(workflow)
    for step in steps:
        if "uses" in step:
            assert SHA_PIN.match(step["uses"]), step["uses"]
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False
        if step.get("uses", "").startswith("astral-sh/setup-uv@"):
            assert step["with"]["enable-cache"] is True
    runs = [step["run"] for step in steps if "run" in step]
    syncs = [step for step in steps if step.get("run", "").endswith("uv sync --locked\n")]
    assert len(syncs) == len(workflow["jobs"]) - docker  # every job but the image build
    for sync in syncs:  # a private template's token, from a secret, in that step alone
        assert sync["env"]["TEMPLATE_READ_TOKEN"] == "${{ secrets.TEMPLATE_READ_TOKEN }}"  # noqa: S105
        assert "git config --global" not in sync["run"]
    assert not any("uv sync" in run and "--locked" not in run for run in runs)
    assert any("pre-commit run --all-files" in run for run in runs)
    assert any("nox -s tests" in run for run in runs)
    assert any("nox -s smoke" in run for run in runs)  # the whole flow on the embedded data
    assert ("docker" in workflow["jobs"]) is docker
    if docker:
        assert any("docker build" in run and "--push" not in run for run in runs)

    ecosystems = {
        update["package-ecosystem"]
        for update in yaml.safe_load(dependabot.read_text(encoding="utf-8"))["updates"]
    }
    assert ecosystems == {"github-actions", "uv"} | ({"docker"} if docker else set())


@pytest.mark.parametrize("docker", [True, False])
def test_gitlab_ci_is_valid(render: Render, docker: bool) -> None:
    project = render(ci="gitlab", docker=docker)
    assert not (project / ".github").exists()
    for schema, name in (
        ("vendor.gitlab-ci", ".gitlab-ci.yml"),
        ("vendor.renovate", "renovate.json"),
    ):
        check = run_in(project, tool("check-jsonschema"), "--builtin-schema", schema, name)
        assert check.returncode == 0, check.stdout + check.stderr
    pipeline = yaml.safe_load((project / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert pipeline["stages"] == ["lint", "test", "pipeline"] + (["docker"] if docker else [])
    assert ("docker-build" in pipeline) is docker
    scripts = [
        line
        for job in pipeline.values()
        if isinstance(job, dict)
        for key in ("before_script", "script")
        for line in job.get(key, [])
    ]
    assert not any("uv sync" in line and "--locked" not in line for line in scripts)
    assert any("nox -s tests" in line for line in scripts)
    assert any("nox -s smoke" in line for line in scripts)
    assert not any("docker push" in line for line in scripts)


def test_no_ci_files_when_ci_is_none(render: Render) -> None:
    project = render(ci="none")
    for name in (".github", ".gitlab-ci.yml", "renovate.json"):
        assert not (project / name).exists()
    hooks = (project / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "zizmor" not in hooks
    assert "gitlab" not in hooks


SECRET_LIKE = re.compile(r"token|secret|password|passwd|api_?key|credential", re.IGNORECASE)


def unmarked_secret_questions(questions: dict[str, object]) -> list[str]:
    """Questions whose name looks like a credential but are not ``secret: true`` (Copier keeps a
    secret answer out of the answers file, which is committed)."""
    return [
        name
        for name, spec in questions.items()
        if not name.startswith("_")
        and isinstance(spec, dict)
        and SECRET_LIKE.search(name)
        and spec.get("secret") is not True
    ]


def test_a_question_that_looks_secret_must_be_marked_secret() -> None:
    assert unmarked_secret_questions({"api_token": {"type": "str"}}) == ["api_token"]
    assert unmarked_secret_questions({"api_token": {"type": "str", "secret": True}}) == []
    assert unmarked_secret_questions({"_tasks": ["x"], "project_name": {"type": "str"}}) == []
    questions = yaml.safe_load((Path(__file__).parent.parent / "copier.yml").read_text())
    assert unmarked_secret_questions(questions) == []


def test_the_answers_file_holds_the_questions_and_nothing_else(render: Render) -> None:
    """What the committed answers file records: each question's answer, Copier's own keys."""
    questions = yaml.safe_load((Path(__file__).parent.parent / "copier.yml").read_text())
    asked = {
        name
        for name, spec in questions.items()
        if not name.startswith("_") and spec.get("when") is not False  # computed: not recorded
    }
    answers = yaml.safe_load((render() / ".copier-answers.yml").read_text())
    assert {key for key in answers if not key.startswith("_")} == asked
    assert {key for key in answers if key.startswith("_")} == {"_commit", "_src_path"}


def pre_commit(project: Path, *args: str):
    """pre-commit with the hooks' tools from this environment (they run `uv run --active`)."""
    return run_in(
        project,
        tool("pre-commit"),
        "run",
        *args,
        timeout=NESTED_TIMEOUT,
        env={"VIRTUAL_ENV": sys.prefix, "PRE_COMMIT_HOME": str(project.parent / ".pre-commit")},
    )


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_template_hooks_for_docker_and_ci_pass_offline(render: Render, ci: str) -> None:
    project = render(ci=ci, docker=True)
    hooks = [
        "hadolint",
        *(
            ["check-github-workflows", "check-dependabot", "zizmor"]
            if ci == "github"
            else ["check-gitlab-ci", "check-renovate"]
        ),
    ]
    for hook in hooks:
        result = pre_commit(project, hook, "--all-files")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Passed" in result.stdout


def test_pre_commit_passes_on_a_fresh_project(render: Render) -> None:
    project = render()
    assert (project / ".git").is_dir()  # made by the post-copy hook
    result = pre_commit(project, "--all-files", "--show-diff-on-failure")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # A key in a data file force-added past .gitignore is caught like one in code.
    leak = project / "data" / "raw" / "leak.csv"
    leak.write_text("id,key\n1,AKIAIOSFODNN7EXAMPLE\n")  # pragma: allowlist secret
    assert run_in(project, "git", "add", "-f", "data/raw/leak.csv").returncode == 0
    caught = pre_commit(project, "--files", "data/raw/leak.csv")
    assert caught.returncode != 0
    assert re.search(r"detect secrets\.+Failed", caught.stdout), caught.stdout[-2000:]


TOKEN_HOSTS = {
    "github": ("https://github.com/team/leanops.git", "x-access-token", "github.com"),
    "gitlab": ("https://gitlab.example.com/ml/leanops.git", "oauth2", "gitlab.example.com"),
}


@pytest.mark.parametrize("ci", TOKEN_HOSTS)
def test_a_private_templates_token_is_given_to_the_host_the_runtime_is_pinned_at(
    ci: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The install and the image build give TEMPLATE_READ_TOKEN to the pin's own host, with the
    user name that host expects; they gave it to github.com whatever the host, so a template on
    GitLab updated but failed `uv sync` in CI and in the image."""
    import copier
    from template_repo import make_template_repo, reach_as

    url, user, host = TOKEN_HOSTS[ci]
    template = make_template_repo(tmp_path / "template")
    reach_as(url, template, monkeypatch)
    project = tmp_path / "project"
    copier.run_copy(
        url, project, data={"ci": ci, "docker": True}, defaults=True, unsafe=True, quiet=True
    )
    rule = f"url.https://{user}:${{TEMPLATE_READ_TOKEN}}@{host}/.insteadOf"
    if ci == "github":
        workflow = (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
        assert workflow.count(rule) == 3  # each job's install
        audit = run_in(project, tool("zizmor"), "--offline", ".github")
        assert audit.returncode == 0, audit.stdout
    else:
        pipeline = (project / ".gitlab-ci.yml").read_text(encoding="utf-8")
        assert rule.replace("url.", 'url."').replace("/.insteadOf", '/".insteadOf') in pipeline
        assert "${TEMPLATE_READ_TOKEN:+--secret id=template_token" in pipeline
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    assert f"url.https://{user}:${{token}}@{host}/.insteadOf" in dockerfile
    lint = run_in(project, tool("hadolint"), "--failure-threshold", "style", "Dockerfile")
    assert lint.returncode == 0, lint.stdout + lint.stderr


@pytest.mark.slow
def test_the_image_build_from_a_local_template_installs_from_its_git_folder(
    tmp_path: Path,
) -> None:
    """The builder's first ``uv sync``, run as the Dockerfile writes it for a project made from a
    local checkout, with what the documented ``--build-context`` mounts at the checkout's path:
    its ``.git`` folder alone (not a 1 GB working tree with its .venv), owned by another user
    than the build's, as a bind mount of the developer's folder is (git refused it: "dubious
    ownership")."""
    import copier
    from template_repo import make_template_repo

    checkout = make_template_repo(tmp_path / "checkout")
    project = tmp_path / "project"
    copier.run_copy(str(checkout), project, defaults=True, unsafe=True, quiet=True)
    assert run_in(project, "uv", "lock", "--quiet").returncode == 0
    dockerfile = project / "Dockerfile"
    assert f"leanops-template={checkout}/.git " in dockerfile.read_text(encoding="utf-8")
    (_, run_dependencies, *_) = [rest for key, rest in stages(dockerfile)[1] if key == "RUN"]
    command = run_dependencies.split("--mount=type=bind,from=leanops-template", 1)[1]
    command = command.split(" ", 2)[2]  # what follows the mount: the command itself
    git_folder = checkout.with_name("git-folder")
    (checkout / ".git").rename(git_folder)
    shutil.rmtree(checkout)
    git_folder.rename(checkout)  # the context, where the mount puts it
    if os.geteuid() == 0:  # the developer's, not root's (CI runs as root: the check is real there)
        assert (
            subprocess.run(["chown", "-R", "1000:1000", str(checkout)], check=False).returncode == 0
        )
    build = tmp_path / "build"
    build.mkdir()
    for name in ("uv.lock", "pyproject.toml"):
        shutil.copy2(project / name, build / name)
    env = {"UV_PROJECT_ENVIRONMENT": str(tmp_path / "venv")}
    config = "/tmp/template.gitconfig"  # noqa: S108 (the builder's own, rewritten to this test's)
    command = command.replace(config, str(tmp_path / "template.gitconfig"))
    done = run_in(build, "bash", "-c", command, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert list((tmp_path / "venv").glob("lib/python*/site-packages/leanops_runtime"))

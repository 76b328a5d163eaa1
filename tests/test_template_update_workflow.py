"""The generated ``template-update.yml``, checked statically and its shell run for real.

GitHub cannot be reached from here. So the workflow is validated against its schema and audited
(zizmor, offline); and each step's script is taken out of the rendered YAML and run with bash,
real git and the real leanops, against a local "origin" repository, as the runner would run it.
Only the GitHub side is faked: ``gh`` (answers from a state file, logs what it was asked) and
``uvx`` (runs this checkout's leanops, logging the pinned source it was asked for).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import BIN, NESTED_TIMEOUT, render_template, run_in
from template_repo import git, make_tiny_template, release, tiny_project

SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
WORKFLOW = ".github/workflows/template-update.yml"
FAKE_GH = """\
#!/usr/bin/env python3
import json, os, subprocess, sys
args = sys.argv[1:]
state = json.load(open(os.environ["GH_STATE"]))
entry = {"args": args}
if "--body-file" in args:
    entry["body"] = open(args[args.index("--body-file") + 1]).read()
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(entry) + "\\n")
if args[:2] in (["pr", "list"], ["issue", "list"]):
    kind = "prs" if args[0] == "pr" else "issues"
    found = state.get(kind, {}).get(args[args.index("--state") + 1], [])
    text = json.dumps(found)
    if "--jq" in args:
        text = subprocess.run(["jq", "-r", args[args.index("--jq") + 1]], input=text,
                              capture_output=True, text=True, check=True).stdout
    sys.stdout.write(text)
"""
FAKE_UVX = """\
#!/bin/sh
# uvx --from SOURCE leanops ARGS...: log SOURCE, run this checkout's leanops.
echo "$2" >> "$UVX_LOG"
shift 3
exec "{python}" -m generator "$@"
"""


@pytest.fixture(scope="module")
def workflow(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    project = render_template(tmp_path_factory.mktemp("workflow") / "p", ci="github")
    path = project / WORKFLOW
    return project, yaml.safe_load(path.read_text(encoding="utf-8"))


# --- static checks ---------------------------------------------------------------------------


def test_the_workflow_is_valid_and_audited(workflow: tuple[Path, dict]) -> None:
    project, _ = workflow
    schema = run_in(
        project, str(BIN / "check-jsonschema"), "--builtin-schema", "github-workflows", WORKFLOW
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = run_in(project, str(BIN / "zizmor"), "--offline", "--format", "plain", WORKFLOW)
    assert audit.returncode == 0, audit.stdout + audit.stderr


def test_everything_it_runs_is_pinned_and_write_tokens_run_no_template_code(
    workflow: tuple[Path, dict],
) -> None:
    _, spec = workflow
    assert re.fullmatch(r"[0-9a-f]{40}", spec["env"]["LEANOPS_COMMIT"])  # the rendered commit
    assert spec["permissions"] == {}
    jobs = spec["jobs"]
    for job in jobs.values():
        for step in job["steps"]:
            if "uses" in step:
                assert SHA_PIN.match(step["uses"]), step["uses"]
            if "run" in step:
                assert "${{" not in step["run"], "expressions go through env, not into scripts"
                for line in step["run"].splitlines():
                    if "uvx" in line:
                        assert '"git+$SOURCE@$LEANOPS_COMMIT" leanops' in line, line
    assert jobs["check"]["permissions"] == {"contents": "read"}
    assert jobs["update"]["permissions"] == {"contents": "read"}  # runs migrations: no write
    publish = jobs["publish"]
    assert set(publish["permissions"]) == {"contents", "pull-requests", "issues"}
    publish_scripts = "\n".join(step.get("run", "") for step in publish["steps"])
    commands = [line.strip() for line in publish_scripts.splitlines()]
    assert "uvx --from" not in publish_scripts
    template_code = ("uvx", "leanops", "copier", "python")
    assert not [line for line in commands if line.startswith(template_code)]
    token = publish["steps"][-1]["env"]["GH_TOKEN"]
    assert "steps.app.outputs.token" in token and "secrets.TEMPLATE_UPDATE_TOKEN" in token


# --- the scripts, run ------------------------------------------------------------------------


class Runner:
    """A fake GitHub runner: a template published at gh:acme/tpl, a project repository with
    its origin, fake gh and uvx on PATH, and the workflow's step scripts."""

    def __init__(self, root: Path, spec: dict) -> None:
        self.root, self.spec = root, spec
        self.template = make_tiny_template(root / "tpl")
        self.github = root / "github"
        self.temp = root / "runner-temp"
        self.temp.mkdir()
        (root / "home").mkdir()
        self.tools = root / "tools"
        self.tools.mkdir()
        for name, text in (("gh", FAKE_GH), ("uvx", FAKE_UVX.format(python=sys.executable))):
            (self.tools / name).write_text(text)
            (self.tools / name).chmod(0o755)
        self.state: dict = {}
        work = tiny_project(self.template, root / "seed")
        answers = work / ".copier-answers.yml"
        answers.write_text(answers.read_text().replace(str(self.template), "gh:acme/tpl"))
        git(work, "commit", "-q", "-am", "the template lives on GitHub")
        self.origin = root / "origin.git"
        git(root, "clone", "-q", "--bare", str(work), str(self.origin))
        self.publish_template()

    def publish_template(self) -> None:
        mirror = self.github / "acme" / "tpl.git"
        shutil.rmtree(mirror, ignore_errors=True)
        mirror.parent.mkdir(parents=True, exist_ok=True)
        git(self.root, "clone", "-q", "--bare", str(self.template), str(mirror))

    def checkout(self, name: str) -> Path:
        """actions/checkout: a fresh clone of origin's default branch."""
        path = self.root / name
        git(self.root, "clone", "-q", str(self.origin), str(path))
        return path

    def step(self, job: str, step_id: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
        script = next(s for s in self.spec["jobs"][job]["steps"] if s.get("id") == step_id)
        outputs = self.root / f"{job}-{step_id}.out"
        outputs.write_text("")
        full_env = {
            **os.environ,
            "PATH": f"{self.tools}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.root / "home"),
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_OUTPUT": str(outputs),
            "GITHUB_STEP_SUMMARY": str(self.root / "summary.md"),
            "LEANOPS_COMMIT": self.spec["env"]["LEANOPS_COMMIT"],
            "GH_STATE": str(self.root / "gh-state.json"),
            "GH_LOG": str(self.root / "gh-log.jsonl"),
            "UVX_LOG": str(self.root / "uvx.log"),
            "COPIER_CACHE_DIR": str(self.root / "copier-cache"),
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"url.{self.github}/.insteadOf",
            "GIT_CONFIG_VALUE_0": "https://github.com/",
            "TEMPLATE_READ_TOKEN": "",
            **env,
        }
        (self.root / "gh-state.json").write_text(json.dumps(self.state))
        return subprocess.run(
            ["bash", "-e", "-c", script["run"]],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            check=False,
            timeout=NESTED_TIMEOUT,
        )

    def outputs(self, job: str, step_id: str) -> dict[str, str]:
        lines = (self.root / f"{job}-{step_id}.out").read_text().splitlines()
        return dict(line.split("=", 1) for line in lines)

    def gh_calls(self) -> list[dict]:
        log = self.root / "gh-log.jsonl"
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    def run_all(self, *, workflows_allowed: bool = False) -> subprocess.CompletedProcess:
        """check -> update -> publish, each job in its own fresh checkout."""
        check = self.checkout("check")
        done = self.step("check", "source", check)
        assert done.returncode == 0, done.stderr
        source = self.outputs("check", "source")["source"]
        assert source == "https://github.com/acme/tpl.git"
        done = self.step("check", "check", check, SOURCE=source)
        assert done.returncode == 0, done.stdout + done.stderr
        assert self.outputs("check", "check")["behind"] == "true"
        done = self.step("update", "update", self.checkout("update"), SOURCE=source)
        assert done.returncode == 0, done.stdout + done.stderr
        return self.step(
            "publish",
            "publish",
            self.checkout("publish"),
            GH_TOKEN="fake",  # noqa: S106 (the fake gh ignores it)
            WORKFLOWS_ALLOWED=str(workflows_allowed).lower(),
            BASE="main",
        )


@pytest.fixture
def runner(tmp_path: Path, workflow: tuple[Path, dict]) -> Runner:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (GitHub's runners have it)")
    return Runner(tmp_path, workflow[1])


WORKFLOW_FILE = ".github/workflows/lint.yml"


def new_release(runner: Runner, tag: str, *, workflow_change: bool = False) -> None:
    files = {"NEW.md": f"{tag}\n"}
    if workflow_change:
        files[WORKFLOW_FILE] = f"name: lint {tag}\n"
    release(runner.template, tag, files)
    runner.publish_template()


def origin_has(runner: Runner, ref: str, path: str) -> bool:
    done = subprocess.run(
        ["git", "-C", str(runner.origin), "cat-file", "-e", f"{ref}:{path}"], check=False
    )
    return done.returncode == 0


def test_an_update_becomes_a_pull_request_from_pinned_code(runner: Runner) -> None:
    new_release(runner, "v2")
    done = runner.run_all()
    assert done.returncode == 0, done.stdout + done.stderr
    assert origin_has(runner, "template-update/v2", "NEW.md")
    (create,) = [c for c in runner.gh_calls() if c["args"][:2] == ["pr", "create"]]
    assert create["args"][create["args"].index("--title") + 1] == "Update template to v2"
    assert "- `NEW.md`" in create["body"]
    pinned = {line.strip() for line in (runner.root / "uvx.log").read_text().splitlines()}
    assert pinned == {f"git+https://github.com/acme/tpl.git@{runner.spec['env']['LEANOPS_COMMIT']}"}


@pytest.mark.parametrize("allowed", [False, True])
def test_workflow_changes_need_a_token_allowed_to_push_them(runner: Runner, allowed: bool) -> None:
    """Template v1 has a workflow file; v2 changes it. Without an App token or a PAT the PR
    leaves it out (no pushed commit touches it) and says so with the patch."""
    release(runner.template, "v1.1", {WORKFLOW_FILE: "name: lint\n"})
    seed = runner.checkout("seed-workflow")
    (seed / ".github" / "workflows").mkdir(parents=True)
    (seed / WORKFLOW_FILE).write_text("name: lint\n")
    answers = seed / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("_commit: v1", "_commit: v1.1"))
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "at v1.1")
    git(seed, "push", "-q", "origin", "HEAD:main")
    new_release(runner, "v2", workflow_change=True)
    done = runner.run_all(workflows_allowed=allowed)
    assert done.returncode == 0, done.stdout + done.stderr
    (create,) = [c for c in runner.gh_calls() if c["args"][:2] == ["pr", "create"]]
    pushed = git(runner.origin, "log", "--format=%H", "main..template-update/v2").split()
    touched = {
        path
        for commit in pushed
        for path in git(runner.origin, "show", "--name-only", "--format=", commit).split()
    }
    if allowed:
        assert WORKFLOW_FILE in touched
        assert "Left out" not in create["body"]
    else:
        assert WORKFLOW_FILE not in touched  # GitHub would refuse any such commit
        assert "NEW.md" in touched
        assert "**Left out: changes to workflow files**" in create["body"]
        assert f"- `{WORKFLOW_FILE}`" in create["body"]
        assert "+name: lint v2" in create["body"]  # the patch to apply by hand


def test_a_branch_left_by_a_closed_pull_request_is_replaced(runner: Runner) -> None:
    new_release(runner, "v2")
    seed = runner.checkout("stale")
    git(seed, "switch", "-q", "-c", "template-update/v2")
    (seed / "stale.txt").write_text("an old attempt\n")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "old attempt")
    git(seed, "push", "-q", "origin", "template-update/v2")
    runner.state = {"prs": {"closed": [{"number": 7, "mergedAt": None}]}}
    done = runner.run_all()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not origin_has(runner, "template-update/v2", "stale.txt")
    assert origin_has(runner, "template-update/v2", "NEW.md")
    (create,) = [c for c in runner.gh_calls() if c["args"][:2] == ["pr", "create"]]
    assert "Follows #7, closed without merging." in create["body"]


def test_an_open_pull_request_is_left_alone(runner: Runner) -> None:
    new_release(runner, "v2")
    runner.state = {"prs": {"open": [{"number": 3}]}}
    done = runner.run_all()
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [c for c in runner.gh_calls() if c["args"][:2] == ["pr", "create"]]
    assert not origin_has(runner, "template-update/v2", "NEW.md")
    assert "#3 already proposes" in (runner.root / "summary.md").read_text()


def test_conflicts_open_an_issue_and_push_nothing(runner: Runner) -> None:
    seed = runner.checkout("edit")
    params = seed / "params.yaml"
    params.write_text(params.read_text().replace("seed: 42", "seed: 7"))
    git(seed, "commit", "-q", "-am", "our seed")
    git(seed, "push", "-q", "origin", "HEAD:main")
    params_v2 = "name: {{ name }}\nseed: 1234\nsplit: 0.2\nfolds: 5\nC: 1.0\n"
    release(runner.template, "v2", {"params.yaml.jinja": params_v2})
    runner.publish_template()
    done = runner.run_all()
    assert done.returncode == 0, done.stdout + done.stderr
    (issue,) = [c for c in runner.gh_calls() if c["args"][:2] == ["issue", "create"]]
    title = issue["args"][issue["args"].index("--title") + 1]
    assert title == "Template update to v2 has conflicts"
    assert "- `params.yaml`" in issue["body"]
    assert git(runner.origin, "branch", "--list", "template-update/*") == ""


def test_a_private_template_is_read_with_its_own_token(runner: Runner) -> None:
    checkout = runner.checkout("private")
    done = runner.step("check", "source", checkout, TEMPLATE_READ_TOKEN="s3cr3t")  # noqa: S106
    assert done.returncode == 0, done.stderr
    config = (runner.root / "home" / ".gitconfig").read_text()
    assert '[url "https://x-access-token:s3cr3t@github.com/"]' in config
    assert "insteadOf = https://github.com/" in config


def test_a_local_source_is_refused_with_the_fix(runner: Runner) -> None:
    seed = runner.checkout("local")
    answers = seed / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace("gh:acme/tpl", "/home/me/tpl"))
    done = runner.step("check", "source", seed)
    assert done.returncode == 1
    assert "_src_path is a local path (/home/me/tpl): push the template, point the" in done.stdout
    assert "with `leanops source <its URL> .`" in done.stdout

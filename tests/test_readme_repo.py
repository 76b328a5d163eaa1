"""Every command this repository's README shows, run as written.

Each runs in a sandbox shaped like the README's world: ``HOME`` holds ``~/work`` with projects,
``path/to/project`` is a project, and git sends ``https://github.com/leanops/leanops.git`` (and
the team server the README's template moves to) to a clean, tagged copy of this template
(``url.<mirror>.insteadOf``), so the URLs in the README are the ones used. The interactive
``copier copy`` is answered at its prompts in a real terminal (pexpect). ``uvx nox -s demo``
runs for real in its own slow test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pexpect
import pytest
from changelog import releases
from conftest import BIN, NESTED_TIMEOUT, REPO
from readme import Command, commands
from template_repo import make_template_repo

PUBLISHED = "https://github.com/leanops/leanops.git"
ALL = commands((REPO / "README.md").read_text(encoding="utf-8"))
# Shown but not run here, each with the reason; the test below checks this list stays exact.
NOT_RUN_HERE = {
    "uvx nox -s tests": "it is this test suite: .ci/run runs exactly this command",
}
DEMO = "uvx nox -s demo"
MOVED = "https://git.example.com/ml/leanops.git"  # the README's template moved to a team server
INTERACTIVE = f"copier copy --trust {PUBLISHED} my-project"
RUN = [c for c in ALL if c.text not in NOT_RUN_HERE and c.text not in {DEMO, INTERACTIVE}]


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template as published: a clean repository tagged with the newest release."""
    newest = releases(REPO / "CHANGELOG.md")[0].tag
    return make_template_repo(tmp_path_factory.mktemp("published") / "leanops", tag=newest)


@pytest.fixture(scope="module")
def made(mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project made from the published URL, copied wherever the README expects one."""
    scratch = tmp_path_factory.mktemp("made")
    _, env = sandbox(scratch, mirror)
    env.pop("LEANOPS_SKIP_LOCK")  # locked for real, as a user's copy is (`leanops check` asks)
    subprocess.run(
        ["copier", "copy", "--trust", "--defaults", "--quiet", PUBLISHED, "project"],
        cwd=scratch,
        env=env,
        capture_output=True,
        check=True,
    )
    return scratch / "project"


def sandbox(tmp_path: Path, mirror: Path) -> tuple[Path, dict[str, str]]:
    """A home folder whose git config redirects the published URL, and the environment."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = README reader\n\temail = reader@example.com\n"
        f'[url "{mirror.as_uri()}"]\n\tinsteadOf = {PUBLISHED}\n\tinsteadOf = {MOVED}\n'
        "[init]\n\tdefaultBranch = main\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "LEANOPS_SKIP_LOCK": "1",  # the post-copy `uv lock`: the slow install tests do it
    }
    env.pop("VIRTUAL_ENV", None)
    return home, env


def place_projects(command: Command, home: Path, made: Path) -> Path:
    """Put projects where ``command`` expects them; return the folder to run it in."""
    if "~/work" in command.text:
        for name in ("churn", "fraud"):
            shutil.copytree(made, home / "work" / name, symlinks=True)
    if "path/to/project" in command.text:
        shutil.copytree(made, home / "path" / "to" / "project", symlinks=True)
    if command.text.startswith("cd my-project"):
        shutil.copytree(made, home / "my-project", symlinks=True)
    if command.text.startswith("leanops update ."):
        shutil.copytree(made, home / "here", symlinks=True)
        return home / "here"
    return home


def test_the_readme_shows_commands_and_every_one_is_accounted_for() -> None:
    texts = {command.text for command in ALL}
    assert DEMO in texts
    assert INTERACTIVE in texts
    assert set(NOT_RUN_HERE) <= texts, "a command in NOT_RUN_HERE is no longer in the README"
    assert len(RUN) >= 10


@pytest.mark.parametrize("command", RUN, ids=[c.text for c in RUN])
def test_readme_command_works_as_written(
    command: Command, mirror: Path, made: Path, tmp_path: Path
) -> None:
    home, env = sandbox(tmp_path, mirror)
    where = place_projects(command, home, made)
    result = subprocess.run(
        ["bash", "-c", command.text],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=NESTED_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    if "copier copy" in command.text or command.text.startswith("leanops new"):
        assert (home / "my-project" / ".copier-answers.yml").is_file()
    if command.text.startswith("leanops source"):
        answers = home / "path" / "to" / "project" / ".copier-answers.yml"
        assert f"_src_path: {MOVED}" in answers.read_text(encoding="utf-8")


def test_the_interactive_copy_asks_and_takes_the_defaults(mirror: Path, tmp_path: Path) -> None:
    home, env = sandbox(tmp_path, mirror)
    env["PROMPT_TOOLKIT_NO_CPR"] = "1"  # pexpect's terminal does not answer cursor queries
    child = pexpect.spawn(
        "bash",
        ["-c", INTERACTIVE],
        cwd=str(home),
        env=env,
        encoding="utf-8",
        timeout=NESTED_TIMEOUT,
    )
    asked = 0
    while child.expect(["🎤", pexpect.EOF]) == 0:  # Copier marks every question so
        asked += 1
        child.send("\r")  # Enter takes the question's default
        assert asked < 40, "the prompts never ended"
    child.close()
    assert child.exitstatus == 0, child.before
    assert asked >= 5
    answers = (home / "my-project" / ".copier-answers.yml").read_text(encoding="utf-8")
    assert "project_name: ml-project" in answers


@pytest.mark.slow
def test_the_quick_start_demo_runs() -> None:
    """``uvx nox -s demo``: the quick start's main job, exactly as a newcomer runs it."""
    if shutil.which("uvx") is None:
        pytest.fail("uvx is not installed: the quick start needs uv (pip install uv)")
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        ["bash", "-c", DEMO],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=NESTED_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Session demo was successful" in result.stderr
    # Each step is shown as typed, and the flow got to its end: v2 promoted, then rolled back.
    assert "\n$ ml-project pipeline --force\n" in result.stdout
    assert "rolled back: v1 is production (was v2)" in result.stdout
    assert "rendered into a temporary folder, now removed" in result.stderr
    assert "uvx nox -s demo -- ./my-project" in result.stderr

"""The project's promises about itself: CI runs what the README tells a newcomer to run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_opens_with_exactly_two_commands():
    head = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert len(re.findall(r"```bash\n", head)) == 2


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert readme_commands()[1] in ci_lines


def test_readme_main_job_migrates_the_bundled_example():
    assert "examples/legacy-project" in readme_commands()[0]
    assert (ROOT / "examples" / "legacy-project").is_dir()

"""Odd command-line values exit 2 saying what to do: seeds, lottery sizes, database URLs,
a new user's password without a terminal, a folder that is not a published selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from klero.app import main
from recruitment.examples import EXAMPLE_PANEL_SIZE, example_path

FILES = [
    "--pool",
    str(example_path("pool")),
    "--quotas",
    str(example_path("quotas")),
    "--size",
    str(EXAMPLE_PANEL_SIZE),
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out = capsys.readouterr()
    printed = out.out + out.err
    assert "Unexpected error" not in printed and "Traceback" not in printed
    return code, printed


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--seed", "-1"),
        ("--seed", str(2**31)),
        ("--public-number", "-5"),
        ("--lottery-size", "0"),
        ("--lottery-size", "100001"),
    ],
)
def test_select_refuses_a_value_out_of_range_naming_the_option(
    option: str, value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["select", *FILES, "--out-dir", str(tmp_path / "out"), option, value]
    if option == "--lottery-size":
        args += ["--seed", "1"]
    code, printed = run(args, capsys)
    assert code == 2
    assert f"Invalid value for '{option}'" in printed
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("option", ["--seed", "--public-number"])
def test_verify_refuses_a_negative_number(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = run(["verify", "--out-dir", str(tmp_path), option, "-1"], capsys)
    assert code == 2 and f"Invalid value for '{option}'" in printed


def test_verify_on_a_folder_without_a_selection_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = run(["verify", "--out-dir", str(tmp_path)], capsys)
    assert code == 2
    assert f"The file {tmp_path / 'report.json'} does not exist" in printed
    (tmp_path / "report.json").write_text("[1, 2", encoding="utf-8")
    code, printed = run(["verify", "--out-dir", str(tmp_path)], capsys)
    assert code == 2 and "is not the report.json that 'klero select' writes" in printed


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://me:secret@db.example.org/klero", "is for mysql, which Kleroterion does not"),
        ("oracle+cx_oracle://me@db/klero", "is for oracle, which Kleroterion does not"),
        ("postgresql+psycopg2://me@db/klero", "is for postgresql, which Kleroterion does not"),
        ("foo:", "cannot be read"),
        ("not a url at all", "cannot be read"),
        ("post gres://me:secret@db/klero", "cannot be read"),
    ],
)
@pytest.mark.parametrize("command", [["db", "upgrade"], ["site", "list", "--user", "admin"]])
def test_an_unsupported_database_url_is_refused_before_connecting(
    url: str, says: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = run([*command, "--database-url", url], capsys)
    assert code == 2
    assert says in printed
    assert "sqlite:///" in printed and "postgresql+psycopg://" in printed
    assert "secret" not in printed  # a password in the URL is never echoed


def test_user_create_without_a_terminal_or_password_says_how_to_give_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("KLERO_NEW_PASSWORD", raising=False)
    url = f"sqlite:///{tmp_path / 'klero.sqlite'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    code, printed = run(
        ["user", "create", "--login", "admin", "--role", "admin", "--database-url", url], capsys
    )
    assert code == 2
    assert "set KLERO_NEW_PASSWORD" in printed


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["select", "--seed", "1", "--public-number", "2"],
            "Give --seed or --public-number, not both.",
        ),
        (["select", "--all-ready", "--seed", "1"], "--all-ready and --deliberation go together"),
        (["select", "--country", "FR"], "--country, --workers, --scheduler needs --all-ready."),
        (["select", "--pool", "p.csv"], "Missing --quotas, --size, --out-dir (or give --site)."),
        (["weights", "--attendees"], "--attendees needs --site."),
        (["panel", "status"], "Give exactly one of: --site, --run."),
    ],
)
def test_options_that_do_not_go_together_are_named_by_a_message_code(
    args: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, printed = run(args, capsys)
    assert code == 2 and said in printed

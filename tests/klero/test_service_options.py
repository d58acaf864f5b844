"""``with_service``: the service options added to a command once, as Typer shows them."""

from __future__ import annotations

from typing import Annotated

import typer
from typer.testing import CliRunner

from klero.options import SERVICE, Service, with_service

app = typer.Typer()
seen: list[tuple[str, Service]] = []


@app.command("plain")
@with_service()
def plain(
    site: Annotated[str, typer.Option("--site")],
    service: Service = SERVICE,
    after: Annotated[int, typer.Option("--after")] = 0,
) -> None:
    seen.append((site, service))
    typer.echo(f"after={after}")


@app.command("printing")
@with_service(json=True)
def printing(service: Service = SERVICE) -> None:
    seen.append(("", service))


def test_the_options_stand_where_the_service_parameter_stands() -> None:
    command = typer.main.get_command(app)
    names = [p.name for p in command.commands["plain"].params]  # type: ignore[attr-defined]
    assert names == ["site", "database_url_", "user", "after"]
    names = [p.name for p in command.commands["printing"].params]  # type: ignore[attr-defined]
    assert names == ["database_url_", "user", "as_json"]


def test_the_command_gets_the_values_as_one_service() -> None:
    runner = CliRunner()
    seen.clear()
    env = {"KLERO_USER": "", "KLERO_DATABASE_URL": ""}
    args = ["plain", "--site", "FR-lyon", "--database-url", "sqlite://", "--user", "ana"]
    result = runner.invoke(app, [*args, "--after", "3"], env=env)
    assert result.exit_code == 0, result.output
    assert "after=3" in result.output
    assert seen == [("FR-lyon", Service("sqlite://", "ana", False))]
    result = runner.invoke(app, ["printing", "--json"], env={**env, "KLERO_USER": "bo"})
    assert result.exit_code == 0, result.output
    assert seen[-1] == ("", Service(None, "bo", True))


def test_json_is_not_an_option_unless_asked() -> None:
    result = CliRunner().invoke(app, ["plain", "--site", "x", "--json"])
    assert result.exit_code == 2

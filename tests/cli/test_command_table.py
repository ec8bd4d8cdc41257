"""The CLI imports only the module of the command it runs: the command table must stay true."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.cli import COMMANDS, build_parser, command_of, main


def registered(command: str | None) -> set[str]:
    parser = build_parser(command)
    actions = [a for a in parser._actions if a.dest == "command"]  # argparse's subparsers action
    return set(actions[0].choices or ()) if actions else set()


def test_every_command_is_in_the_table_with_the_module_that_registers_it() -> None:
    """The full parser's commands are exactly the table's, and each module registers its own."""
    assert registered(None) == set(COMMANDS)
    for command in COMMANDS:
        assert command in registered(command), command


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["verify", "x.png"], "verify"),
        (["--log-level", "DEBUG", "sync", "--force"], "sync"),
        (["--log-level=INFO", "list"], "list"),
        (["--version"], None),
        ([], None),
    ],
)
def test_the_command_word_is_found_after_global_options(
    argv: list[str], command: str | None
) -> None:
    """`--log-level VALUE` is skipped; the first other word is the command."""
    assert command_of(argv) == command


def test_an_unknown_command_gets_the_full_usage(capsys: pytest.CaptureFixture[str]) -> None:
    """A mistyped command is a usage error (exit 2) that lists every command."""
    with pytest.raises(SystemExit) as exited:
        main(["verfy"])
    assert exited.value.code == 2
    assert "sync" in capsys.readouterr().err


def test_verify_does_not_import_the_other_commands() -> None:
    """`badgekeeper verify --help` imports no other command module (start-up stays short)."""
    probe = (
        "import sys\n"
        "from agent.cli import main\n"
        "try:\n    main(['verify', '--help'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('agent.cli.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = done.stdout.strip().splitlines()[-1]
    assert "verify_command" in loaded
    assert "library_commands" not in loaded and "backpack_commands" not in loaded

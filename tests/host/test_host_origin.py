"""The host serves only the extensions it was installed for; a refused caller's requests are
answered ORIGIN_REFUSED and the agent is never contacted (not even started)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from native_host.origin import Caller, identify_caller, parse_allowed, refusal_message
from tests.host.conftest import HostFactory
from tests.host.support import CHROME_ID, CHROME_ORIGIN, GECKO_ID, paths_for, request

pytestmark = pytest.mark.timeout(60)

OTHER_ID = "abcdefghijklmnopabcdefghijklmnop"


def assert_agent_untouched(home: Path) -> None:
    """No agent was started for ``home``: no runtime files, no start log."""
    paths = paths_for(home)
    assert not paths.token_file.exists()
    assert not paths.lock_file.exists()
    assert not (paths.logs / "agent-start.log").exists()


@pytest.mark.parametrize(
    "args",
    [
        [CHROME_ORIGIN],
        [CHROME_ORIGIN, "--parent-window=3142"],
        ["/home/ada/.mozilla/native-messaging-hosts/org.badgekeeper.host.json", GECKO_ID],
    ],
    ids=["chrome", "chrome-on-windows", "firefox"],
)
def test_allowed_callers_are_relayed(
    spawn_host: HostFactory, agent_home: Path, args: list[str]
) -> None:
    """Chrome's origin argument (with Windows' --parent-window) and Firefox's add-on id pass."""
    host = spawn_host(args, agent_home)
    assert host.call(1, "agent.hello")["result"]["agent"] == "badgekeeper"


@pytest.mark.parametrize(
    "args",
    [
        [f"chrome-extension://{OTHER_ID}/"],
        ["/tmp/org.badgekeeper.host.json", "evil@example.org"],
        [],
        [CHROME_ORIGIN, "--something-else"],
        [f"chrome-extension://{CHROME_ID}"],
        [f"https://{CHROME_ID}/"],
    ],
    ids=["other-chrome-id", "other-addon", "no-arguments", "extra-argument", "no-slash", "web"],
)
def test_refused_callers_get_errors_and_the_agent_sees_nothing(
    spawn_host: HostFactory, fresh_home: Path, args: list[str]
) -> None:
    """Every request is answered ORIGIN_REFUSED; notifications get nothing; no agent starts."""
    host = spawn_host(args, fresh_home)
    host.send(json.dumps({"jsonrpc": "2.0", "method": "badge.delete"}).encode())
    host.send(request(1, "agent.hello"))
    host.send(request("two", "badge.list"))
    first, second = host.receive(), host.receive()
    assert (first["id"], second["id"]) == (1, "two")
    for reply in (first, second):
        assert reply["error"]["code"] == 1702
        assert reply["error"]["data"]["name"] == "ORIGIN_REFUSED"
    assert host.nothing_more()
    host.close_stdin()
    assert host.wait() == 0
    assert_agent_untouched(fresh_home)


def test_install_config_decides_which_ids_pass(
    spawn_host: HostFactory, agent_home: Path, fresh_home: Path, tmp_path: Path
) -> None:
    """With BADGEKEEPER_HOST_CONFIG, exactly its ids pass (a store id here, not the built-in)."""
    config = tmp_path / "install.json"
    config.write_text(json.dumps({"allowed": {"chrome": [OTHER_ID], "firefox": []}}))
    store = spawn_host(
        [f"chrome-extension://{OTHER_ID}/"], agent_home, BADGEKEEPER_HOST_CONFIG=str(config)
    )
    assert store.call(1, "agent.hello")["result"]["agent"] == "badgekeeper"
    builtin = spawn_host([CHROME_ORIGIN], fresh_home, BADGEKEEPER_HOST_CONFIG=str(config))
    assert builtin.call(2, "agent.hello")["error"]["data"]["name"] == "ORIGIN_REFUSED"
    assert_agent_untouched(fresh_home)


def test_unreadable_config_refuses_everyone_and_says_what_to_do(
    spawn_host: HostFactory, fresh_home: Path, tmp_path: Path
) -> None:
    """A missing or damaged install record refuses all callers, naming `badgekeeper install`."""
    damaged = tmp_path / "install.json"
    damaged.write_text("{")
    for config in (damaged, tmp_path / "missing.json"):
        host = spawn_host([CHROME_ORIGIN], fresh_home, BADGEKEEPER_HOST_CONFIG=str(config))
        error = host.call(1, "agent.hello")["error"]
        assert error["data"]["name"] == "ORIGIN_REFUSED"
        assert "badgekeeper install" in error["message"]
    assert_agent_untouched(fresh_home)


def test_identify_caller_reads_browser_arguments() -> None:
    """Chrome's and Firefox's argument shapes are recognised; anything else is nobody."""
    assert identify_caller([CHROME_ORIGIN]) == Caller("chrome", CHROME_ID)
    assert identify_caller([CHROME_ORIGIN, "--parent-window=0"]) == Caller("chrome", CHROME_ID)
    assert identify_caller(["/x/host.json", GECKO_ID]) == Caller("firefox", GECKO_ID)
    assert identify_caller(["/x/host.json", "{8c4a2b1e-0000-4000-8000-000000000000}"]) == Caller(
        "firefox", "{8c4a2b1e-0000-4000-8000-000000000000}"
    )
    for arguments in (
        [],
        ["chrome-extension://ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP/"],
        [CHROME_ORIGIN, "--parent-window=x"],
        ["/x/host.json"],
        ["/x/host.json", ""],
        ["/x/host.json", "a b"],
        ["/x/host.txt", GECKO_ID],
    ):
        assert identify_caller(arguments) is None, arguments


def test_parse_allowed_rejects_what_is_not_an_id_list() -> None:
    """Only {"allowed": {"chrome": [str], "firefox": [str]}} is an id list."""
    allowed = parse_allowed(json.dumps({"allowed": {"chrome": [CHROME_ID]}}))
    assert allowed.allows(Caller("chrome", CHROME_ID))
    assert not allowed.allows(Caller("firefox", GECKO_ID))
    for text in ("[]", "{}", '{"allowed": []}', '{"allowed": {"chrome": "x"}}'):
        with pytest.raises(ValueError):
            parse_allowed(text)


def test_refusal_message_names_the_fix() -> None:
    """The refusal says which id to pass to `badgekeeper install`."""
    assert f"--extension-id {OTHER_ID}" in refusal_message(Caller("chrome", OTHER_ID))
    assert "--browser firefox" in refusal_message(Caller("firefox", "x@y.org"))
    assert "not started by one" in refusal_message(None)

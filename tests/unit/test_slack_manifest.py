"""The shipped Slack app manifest matches what the bot listens to and calls."""

from __future__ import annotations

from pathlib import Path

import yaml

from commands.router import SLASH

MANIFEST = Path(__file__).resolve().parents[2] / "slack-app-manifest.yml"


def test_manifest_declares_the_command_events_interactivity_and_scopes() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert commands == [SLASH]
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {"commands", "chat:write", "files:write", "im:write", "users:read", "usergroups:read"}
    assert needed <= scopes
    urls = {c.get("url") for c in manifest["features"]["slash_commands"]}
    urls |= {
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    }
    assert all(url.endswith("/slack/events") for url in urls)

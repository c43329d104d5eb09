"""The fake held to Discord's published API description (bot/fakediscord/spec).

Bodies are posted here as raw JSON, the way any client (or a future cog) could send them, so each
test pins down one refusal: its status, code, field path and the message a developer will read.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import discord
import pytest

from bot.fakediscord import FakeDiscord, openapi
from bot.fakediscord.limits import message_errors
from bot.fakediscord.state import MESSAGE_FLAG_COMPONENTS_V2

CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


def text_input(custom_id: str, label: str = "Your pledge") -> dict[str, Any]:
    return {"type": 4, "custom_id": custom_id, "style": 1, "label": label}


def modal(components: list[Any], title: str = "Make a pledge") -> dict[str, Any]:
    return {"type": 9, "data": {"custom_id": "form", "title": title, "components": components}}


def row(*components: Any) -> dict[str, Any]:
    return {"type": 1, "components": list(components)}


def button(**fields: Any) -> dict[str, Any]:
    return {"type": 2, "style": 1, "label": "Go", **fields}


async def post(fake: FakeDiscord, method: str, path: str, body: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.request(
            method, fake.api_base + path, json=body,
            headers={"Authorization": "Bot test"}) as response:
        return response.status, (None if response.status == 204 else await response.json())


async def callback(fake: FakeDiscord, body: Any) -> tuple[int, Any]:
    """Answer a fresh slash-command interaction with `body`."""
    guild_id = fake.add_guild()
    channel_id = fake.add_channel(guild_id, "general")
    record = fake.register_interaction({
        "id": str(fake.snowflake()), "token": fake.new_token(), "type": 2,
        "application_id": str(fake.application_id), "guild_id": str(guild_id),
        "channel_id": str(channel_id), "data": {"name": "x", "type": 1}})
    return await post(fake, "POST", f"/interactions/{record.id}/{record.token}/callback", body)


def only_error(errors: dict[str, Any], *path: str) -> dict[str, Any]:
    node = errors
    for key in path:
        assert set(node) == {key}, node
        node = node[key]
    [error] = node["_errors"]
    return error


# -- refusals --------------------------------------------------------------------------------------

@pytest.mark.allow_rejections
async def test_a_modal_with_six_inputs_is_refused(fake: FakeDiscord) -> None:
    status, body = await callback(fake, modal([row(text_input(f"t{i}")) for i in range(6)]))
    assert (status, body["code"]) == (400, 50035)
    # The description allows 40 top-level components; Discord's documentation says 5.
    assert only_error(body["errors"], "data", "components")["code"] == "BASE_TYPE_MAX_LENGTH"

    status, body = await callback(fake, modal([row(*(text_input(f"t{i}") for i in range(6)))]))
    error = only_error(body["errors"], "data", "components", "0", "components")
    assert error["code"] == "BASE_TYPE_MAX_LENGTH"
    assert error["message"] == (
        f"Must be 5 or fewer in length. (Discord's API description: {CALLBACK}, body "
        "data.components[0].components, maxItems 5 at "
        "#/components/schemas/ActionRowComponentForModalRequest/properties/components)")
    assert [r.code for r in fake.rejections] == [50035, 50035]


@pytest.mark.allow_rejections
async def test_a_button_without_custom_id_is_refused(fake: FakeDiscord) -> None:
    status, body = await callback(fake, {"type": 4, "data": {"components": [row(button())]}})
    assert status == 400
    error = only_error(body["errors"], "data", "components", "0", "custom_id")
    assert error["code"] == "BASE_TYPE_REQUIRED"
    ok, _ = await callback(fake, {"type": 4, "data": {"components": [row(
        button(style=5, url="https://www.coalitionfortheicc.org"))]}})
    assert ok == 204


@pytest.mark.allow_rejections
async def test_an_overlong_command_description_is_refused_with_the_schema_error(
        fake: FakeDiscord) -> None:
    path = f"/applications/{fake.application_id}/commands"
    status, body = await post(fake, "PUT", path, [{"name": "ask", "description": "d" * 101}])
    assert (status, body["code"], body["message"]) == (400, 50035, "Invalid Form Body")
    error = only_error(body["errors"], "0", "description")
    assert error == {"code": "BASE_TYPE_MAX_LENGTH", "message": (
        "Must be 100 or fewer in length. (Discord's API description: PUT "
        "/applications/{application_id}/commands, body [0].description, maxLength 100 at "
        "#/components/schemas/ApplicationCommandUpdateRequest/properties/description)")}
    assert fake.commands == {}


@pytest.mark.allow_rejections
async def test_discord_py_shows_the_route_path_and_rule(fake: FakeDiscord) -> None:
    client = discord.Client(intents=discord.Intents.none())
    fake.point_discord_py_here()
    await client.login("test")
    try:
        with pytest.raises(discord.HTTPException) as info:
            await client.http.bulk_upsert_global_commands(
                fake.application_id, [{"name": "ask", "description": "ok", "options": [
                    {"type": 3, "name": "q", "description": "question", "max_length": 6001}]}])
    finally:
        await client.close()
    assert "In 0.options.0.max_length: Must be 6000 or less. (Discord's API description: PUT " in (
        str(info.value))


@pytest.mark.allow_rejections
@pytest.mark.parametrize(("body", "path", "code", "text"), [
    (modal([button(custom_id="b")]), ("data", "components", "0"), "UNION_TYPE_CHOICES",
     "Type 2 is not allowed here; allowed types: [1, 10, 18]."),
    (modal([row(button(custom_id="b"))]), ("data", "components", "0", "components", "0", "type"),
     "BASE_TYPE_CHOICES", "Value must be one of [4]."),
    (modal([row(text_input("t", label="L" * 46))]),
     ("data", "components", "0", "components", "0", "label"), "BASE_TYPE_MAX_LENGTH",
     "Must be 45 or fewer in length."),
    (modal([row(text_input("t"))], title=""), ("data", "title"), "BASE_TYPE_MIN_LENGTH",
     "Must be 1 or more in length."),
    ({"type": 4, "data": {"components": [row(button(custom_id="b", label="x" * 81))]}},
     ("data", "components", "0", "components", "0", "label"), "BASE_TYPE_MAX_LENGTH",
     "Must be 80 or fewer in length."),
    ({"type": 4, "data": {"embeds": [{"title": "t", "color": "red"}]}},
     ("data", "embeds", "0", "color"), "NUMBER_TYPE_COERCE", "Must be of type integer or null."),
    ({"type": 4, "data": {"content": "@everyone", "allowed_mentions": {"parse": ["all"]}}},
     ("data", "allowed_mentions", "parse", "0"), "BASE_TYPE_CHOICES",
     "Value must be one of ['users', 'roles', 'everyone']."),
    ({"type": 8, "data": {"choices": [{"name": "", "value": "v"}]}},
     ("data", "choices", "0", "name"), "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."),
    ({"data": {"content": "x"}}, ("type",), "BASE_TYPE_REQUIRED", "This field is required"),
    ({"type": 3}, (), "UNION_TYPE_CHOICES",
     "Type 3 is not allowed here; allowed types: [1, 4, 5, 6, 7, 8, 9, 12, 13]."),
    (["not", "an", "object"], (), "UNION_TYPE_CHOICES", "Must be of type object, not array."),
])
async def test_schema_refusals_name_the_field_and_the_rule(
        fake: FakeDiscord, body: Any, path: tuple[str, ...], code: str, text: str) -> None:
    status, answer = await callback(fake, body)
    assert (status, answer["code"]) == (400, 50035)
    error = only_error(answer["errors"], *path)
    assert error["code"] == code
    assert error["message"].startswith(text)
    assert f"(Discord's API description: {CALLBACK}, body " in error["message"]


@pytest.mark.allow_rejections
async def test_multipart_payload_json_is_held_to_the_same_schema(fake: FakeDiscord) -> None:
    guild_id = fake.add_guild()
    channel_id = fake.add_channel(guild_id, "general")

    async def upload(payload: str) -> tuple[int, Any]:
        form = aiohttp.FormData()
        form.add_field("payload_json", payload, content_type="application/json")
        form.add_field("files[0]", b"a,b\n", filename="pledges.csv", content_type="text/csv")
        async with aiohttp.ClientSession() as session, session.post(
                f"{fake.api_base}/channels/{channel_id}/messages", data=form,
                headers={"Authorization": "Bot test"}) as response:
            return response.status, await response.json()

    status, body = await upload('{"content": "export", "attachments": [{"id": 0}]}')
    assert status == 200 and body["attachments"][0]["filename"] == "pledges.csv"
    status, body = await upload(
        '{"content": "export", "attachments": [{"id": 0, "description": "%s"}]}' % ("d" * 1025))
    assert status == 400
    error = only_error(body["errors"], "attachments", "0", "description")
    assert "maxLength 1024 at #/components/schemas/MessageAttachmentRequest" in error["message"]
    assert len(fake.messages[channel_id]) == 1


async def test_a_body_no_handler_checked_is_an_error_of_the_fake(fake: FakeDiscord) -> None:
    guild_id = fake.add_guild()
    channel_id = fake.add_channel(guild_id, "news", type=5)
    message = fake.create_message(channel_id, {"content": "news"}, [], flags=0)
    status, _ = await post(fake, "POST", f"/channels/{channel_id}/messages/{message['id']}"
                           "/crosspost", {"unexpected": True})
    assert status == 200
    assert len(fake.errors) == 1 and "without checking it" in fake.errors[0]
    fake.errors.clear()


@pytest.mark.allow_rejections
async def test_int_strings_and_discord_py_attachment_ids_are_accepted_nothing_else(
        fake: FakeDiscord) -> None:
    path = f"/applications/{fake.application_id}/commands"
    command = {"name": "purge", "description": "Moderators only"}
    status, _ = await post(fake, "PUT", path, [{**command, "default_member_permissions": "32"}])
    assert status == 200
    _, body = await post(fake, "PUT", path, [{**command, "default_member_permissions": "0x20"}])
    assert only_error(body["errors"], "0", "default_member_permissions")["code"] == (
        "NUMBER_TYPE_COERCE")
    op = openapi.operation("POST", "/channels/1/messages")
    assert op is not None
    assert openapi.request_errors(op, {"content": "x", "attachments": [{"id": 0}]}) == {}
    for bad in (-1, "zero", 1.5, None):
        errors = openapi.request_errors(op, {"content": "x", "attachments": [{"id": bad}]})
        assert list(errors["attachments"]["0"]) == ["id"], bad
    # The convention is for integers only: a numeric string is no boolean, and no text is a number.
    assert openapi.request_errors(op, {"tts": "1"}) != {}


@pytest.mark.parametrize("content", [
    "", "x" * 2000, "x" * 2001, "\u200b" * 2000, "\u202e" * 2001, "\x00" * 1999 + "👍",
    "é" * 2001, "=SUM(A1)" * 250, "@everyone " * 200 + "!",
])
def test_content_is_refused_exactly_over_2000_characters(content: str) -> None:
    for method, path in (("POST", "/channels/1/messages"), ("POST", "/webhooks/1/tok"),
                         ("PATCH", "/webhooks/1/tok/messages/@original")):
        op = openapi.operation(method, path)
        assert op is not None
        errors = {**openapi.request_errors(op, {"content": content}),
                  **message_errors({"content": content})}
        assert bool(errors) == (len(content) > 2000), (method, len(content))
        assert not errors or list(errors) == ["content"]


def test_components_v2_lift_the_five_action_rows_rule() -> None:
    rows = [row(button(custom_id=f"b{i}")) for i in range(6)]
    assert message_errors({"components": rows})["components"]["_errors"][0]["code"] == (
        "BASE_TYPE_MAX_LENGTH")
    assert message_errors({"components": rows, "flags": MESSAGE_FLAG_COMPONENTS_V2}) == {}
    twice = [row(button(custom_id="same"), button(custom_id="same"))]
    assert "custom_id" in message_errors({"components": twice})["components"]["0"]


# -- routes and answers ----------------------------------------------------------------------------

def test_every_route_of_the_fake_is_in_the_description(fake: FakeDiscord) -> None:
    served = 0
    for route in fake.app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if not canonical.startswith("/api/v10/") or route.method == "HEAD":
            continue
        concrete = canonical.removeprefix("/api/v10")
        for name in ("{channel_id}", "{message_id}", "{application_id}", "{guild_id}",
                     "{command_id}", "{interaction_id}"):
            concrete = concrete.replace(name, "1")
        concrete = concrete.replace("{token}", "tok")
        assert openapi.operation(route.method, concrete) is not None, (route.method, canonical)
        served += 1
    assert served >= 20
    assert openapi.operation("PATCH", "/webhooks/1/tok/messages/@original").template.endswith(
        "/@original")
    assert openapi.operation("GET", "/guilds/1/bans") is not None  # in the description only
    assert openapi.operation("BREW", "/channels/1/messages") is None


async def test_answers_of_routes_the_fake_tests_do_not_reach_match_the_description(
        fake: FakeDiscord) -> None:
    fake.check_responses = True
    guild_id = fake.add_guild()
    channel_id = fake.add_channel(guild_id, "general")
    client = discord.Client(intents=discord.Intents.none())
    fake.point_discord_py_here()
    await client.login("test")
    try:
        http = client.http
        await http.get_bot_gateway()
        await http.get_channel(channel_id)
        sent = await http.send_message(channel_id, params=discord.http.handle_message_parameters(
            content="hello", embed=discord.Embed(title="t", description="d")))
        await http.get_message(channel_id, sent["id"])
        await http.edit_message(channel_id, sent["id"], params=discord.http.handle_message_parameters(
            content="edited"))
        await http.logs_from(channel_id, 10)
        await http.delete_message(channel_id, sent["id"])
        synced = await http.bulk_upsert_guild_commands(fake.application_id, guild_id, [
            {"name": "ask", "description": "Ask", "options": [
                {"type": 3, "name": "q", "description": "Question", "required": True}]}])
        await http.get_guild_commands(fake.application_id, guild_id)
        await http.get_guild_command(fake.application_id, guild_id, synced[0]["id"])
    finally:
        await client.close()
    assert fake.errors == []
    assert len(fake.requests) >= 10

"""What answering a pledge costs the bot beyond the framework, which a burst multiplies.

The receipt's buttons are dynamic items routed by custom_id, so nothing is kept per receipt:
no stored view and no timeout task (discord.py would give every stored ephemeral view one of
15 minutes), and the buttons still work. REST calls share a bounded pool of connections.
"""

import asyncio

FORM = {"pledge_text": "Ratify the APIC", "on_behalf_of": "Republic of Testland",
        "region": ["europe"], "topic": ["pledges"]}


def view_timeouts() -> list[asyncio.Task]:
    return [task for task in asyncio.all_tasks()
            if "timeout_task_impl" in getattr(task.get_coro(), "__qualname__", "")]


async def test_a_receipt_keeps_no_view_or_timer_and_its_buttons_work(world):
    receipts = []
    for name in ("ana", "bruno", "carla"):
        member = world.h.member(world.guild_id, name=name)
        opened = await world.h.slash("pledge make", user=member)
        receipts.append((member, await world.h.submit_modal(opened, FORM, user=member)))
    assert all(r.custom_ids()[0].startswith("pledge:edit:") for _, r in receipts)
    store = world.bot._connection._view_store
    assert view_timeouts() == []
    assert store.persistent_views == []
    member, receipt = receipts[1]
    number = receipt.custom_ids()[0].rsplit(":", 1)[1]
    asked = await world.h.click(receipt, f"pledge:withdraw:{number}", user=member)
    assert asked.custom_ids() == [f"pledge:confirm:{number}", f"pledge:keep:{number}"]
    assert view_timeouts() == [] and store.persistent_views == []
    clicked = await world.h.click(asked, f"pledge:confirm:{number}", user=member)
    assert clicked.callback_type == 7
    row = await world.db.fetchone("SELECT status FROM pledges WHERE guild_id = ? AND number = ?",
                                  (world.guild_id, int(number)))
    assert row["status"] == "withdrawn"


async def test_rest_connections_are_pooled_and_bounded(world):
    """discord.py's default connector opens a connection per concurrent request, without limit:
    a burst's callbacks would each pay a new connection (a TLS handshake, on Discord)."""
    from bot.client import REST_CONNECTIONS

    opened = await world.h.slash("pledge make", user=world.member)
    await world.h.submit_modal(opened, FORM, user=world.member)
    connector = world.bot.http.connector
    assert connector.limit == REST_CONNECTIONS == 100
    assert not connector.closed


def callbacks(world) -> list:
    return world.fake.requests_to("POST", r"/interactions/.*/callback")


async def test_a_pledge_answered_too_late_is_kept_and_costs_one_log_line(world, caplog):
    """Past Discord's 3 s no answer is taken: no error reply is attempted (it would fail too)
    and no traceback is formatted, since under a burst that only makes the next ones late."""
    opened = await world.h.slash("pledge make", user=world.member)
    before = len(callbacks(world))
    world.fake.fail_next("POST", r"/interactions/.*/callback", 404,
                         {"code": 10062, "message": "Unknown interaction"})
    caplog.clear()
    await world.h.submit_modal(opened, FORM, user=world.member, check=False)
    assert len(callbacks(world)) == before + 1
    rows = await world.db.fetchall("SELECT author_id, text FROM pledges")
    assert [tuple(r) for r in rows] == [(world.member.id, FORM["pledge_text"])]
    late = [r for r in caplog.records if "expired before it was answered" in r.getMessage()]
    assert len(late) == 1 and late[0].levelname == "WARNING" and late[0].exc_info is None
    assert "modal pledge" in late[0].getMessage()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_a_command_answered_too_late_gets_no_second_attempt(world, caplog):
    world.fake.fail_next("POST", r"/interactions/.*/callback", 404,
                         {"code": 10062, "message": "Unknown interaction"})
    caplog.clear()
    await world.h.slash("pledge mine", user=world.member, check=False)
    assert len(callbacks(world)) == 1
    late = [r for r in caplog.records if "expired before it was answered" in r.getMessage()]
    assert len(late) == 1 and "command 'pledge mine'" in late[0].getMessage()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]

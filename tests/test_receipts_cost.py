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
    pledge_id = receipt.custom_ids()[0].rsplit(":", 1)[1]
    clicked = await world.h.click(receipt, f"pledge:withdraw:{pledge_id}", user=member)
    assert clicked.callback_type == 7
    row = await world.db.fetchone("SELECT status FROM pledges WHERE id = ?", (int(pledge_id),))
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

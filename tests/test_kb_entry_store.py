"""Server entries in a real SQLite file: versions, review, revert, removal, limits, isolation."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import UserError
from bot.kb.entry_store import EntryStore
from bot.kb.entry_text import Draft
from bot.kb.gaps import GapStore, normalize_question

GUILD = 111111111111111111
OTHER = 222222222222222222
ANA, BRUNO, CARLA = 1001, 1002, 1003


def draft(lang="en", question="When is the next regional call?", answer="Every first Monday.",
          keywords="", source="https://www.coalitionfortheicc.org/calls"):
    return Draft(lang, question, answer, keywords, source)


class Clock:
    def __init__(self):
        self.now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(db, clock):
    return EntryStore(db, clock=clock)


async def test_add_publishes_at_once_with_a_per_server_number(store):
    first = await store.propose(GUILD, ANA, draft(), number=None, review=False)
    elsewhere = await store.propose(OTHER, CARLA, draft(), number=None, review=False)
    second = await store.propose(GUILD, ANA, draft(question="Where are the minutes?"),
                                 number=None, review=False)
    assert (first.number, first.version, first.state, first.action) == (1, 1, "published", "add")
    assert (elsewhere.number, second.number) == (1, 2)  # numbers say nothing about other servers
    entry = await store.get(GUILD, 1)
    assert entry.first_lang == "en" and entry.texts["en"].answer == "Every first Monday."
    assert [e.number for e in await store.published(GUILD)] == [1, 2]
    assert [e.number for e in await store.published(OTHER)] == [1]


async def test_edit_and_translate_are_new_versions(store):
    await store.propose(GUILD, ANA, draft(), number=None, review=False)
    edited = await store.propose(GUILD, BRUNO, draft(answer="Every first Tuesday."), number=1,
                                 review=False)
    translated = await store.propose(GUILD, ANA, draft("fr", "Quand a lieu le prochain appel ?",
                                                       "Chaque premier mardi."), number=1,
                                     review=False)
    assert (edited.action, edited.version) == ("edit", 2)
    assert (translated.action, translated.version) == ("translate", 3)
    entry = await store.get(GUILD, 1)
    assert set(entry.texts) == {"en", "fr"} and entry.missing == ("es",)
    assert entry.texts["en"].answer == "Every first Tuesday." and entry.texts["en"].version == 2
    history = await store.history(GUILD, 1)
    assert [(v.version, v.action, v.author_id, v.state) for v in history] == [
        (1, "add", ANA, "published"), (2, "edit", BRUNO, "published"),
        (3, "translate", ANA, "published")]


async def test_review_waits_for_a_second_moderator(store):
    proposed = await store.propose(GUILD, ANA, draft(), number=None, review=True)
    assert proposed.state == "pending"
    assert await store.published(GUILD) == []  # members see nothing yet
    assert [e.number for e in await store.active(GUILD)] == [1]
    with pytest.raises(UserError) as own:
        await store.approve(GUILD, ANA, 1, 1)
    assert own.value.key == "kb.review.error.own"
    with pytest.raises(UserError):
        await store.approve(OTHER, CARLA, 1, 1)  # another server's moderator finds nothing
    approved = await store.approve(GUILD, BRUNO, 1, 1)
    assert approved.state == "published"
    assert [e.number for e in await store.published(GUILD)] == [1]
    [version] = await store.history(GUILD, 1)
    assert (version.state, version.reviewed_by) == ("published", BRUNO)
    with pytest.raises(UserError) as again:
        await store.approve(GUILD, CARLA, 1, 1)
    assert again.value.key == "kb.review.error.already_published"


async def test_rejected_edit_keeps_the_published_text_and_the_proposal(store):
    await store.propose(GUILD, ANA, draft(), number=None, review=False)
    await store.propose(GUILD, BRUNO, draft(answer="Wrong day."), number=1, review=True)
    rejected = await store.reject(GUILD, ANA, 1, 2)
    assert rejected.state == "rejected"
    entry = await store.get(GUILD, 1)
    assert entry.texts["en"].answer == "Every first Monday." and not entry.retired
    assert [v.state for v in await store.history(GUILD, 1)] == ["published", "rejected"]


async def test_rejecting_a_new_entry_retires_it_but_keeps_it(store):
    await store.propose(GUILD, ANA, draft(), number=None, review=True)
    await store.reject(GUILD, BRUNO, 1, 1)
    assert await store.active(GUILD) == []
    entry = await store.get(GUILD, 1)
    assert entry.retired and [v.state for v in await store.history(GUILD, 1)] == ["rejected"]


async def test_revert_brings_back_an_old_text_as_a_new_version(store):
    await store.propose(GUILD, ANA, draft(), number=None, review=False)
    await store.propose(GUILD, BRUNO, draft(answer="Vandalised."), number=1, review=False)
    reverted = await store.revert(GUILD, ANA, 1, 1, review=False)
    assert (reverted.version, reverted.action) == (3, "revert")
    entry = await store.get(GUILD, 1)
    assert entry.texts["en"].answer == "Every first Monday." and entry.texts["en"].version == 3
    [*_, last] = await store.history(GUILD, 1)
    assert last.reverted_to == 1 and last.author_id == ANA
    with pytest.raises(UserError) as same:
        await store.revert(GUILD, ANA, 1, 1, review=False)
    assert same.value.key == "kb.entry.error.revert_same"
    with pytest.raises(UserError) as missing:
        await store.revert(GUILD, ANA, 1, 99, review=False)
    assert missing.value.key == "kb.entry.error.no_version"


async def test_remove_retires_keeps_history_and_revert_restores(store):
    await store.propose(GUILD, ANA, draft(), number=None, review=False)
    await store.propose(GUILD, BRUNO, draft(answer="Proposed."), number=1, review=True)
    removed = await store.remove(GUILD, ANA, 1)
    assert removed.action == "remove"
    assert await store.published(GUILD) == [] and (await store.get(GUILD, 1)).retired
    history = await store.history(GUILD, 1)
    assert [(v.action, v.state) for v in history] == [
        ("add", "published"), ("edit", "rejected"), ("remove", "published")]
    with pytest.raises(UserError) as retired:
        await store.propose(GUILD, ANA, draft(), number=1, review=False)
    assert retired.value.key == "kb.entry.error.retired"
    with pytest.raises(UserError) as no_text:
        await store.revert(GUILD, ANA, 1, 3, review=False)
    assert no_text.value.key == "kb.entry.error.version_without_text"
    await store.revert(GUILD, ANA, 1, 1, review=False)
    assert [e.number for e in await store.published(GUILD)] == [1]


async def test_another_server_can_neither_read_nor_change_an_entry(store):
    await store.propose(GUILD, ANA, draft(), number=None, review=False)
    assert await store.get(OTHER, 1) is None and await store.history(OTHER, 1) == []
    for attempt in (
        store.propose(OTHER, CARLA, draft(answer="Hijacked."), number=1, review=False),
        store.revert(OTHER, CARLA, 1, 1, review=False),
        store.remove(OTHER, CARLA, 1),
        store.reject(OTHER, CARLA, 1, 1),
    ):
        with pytest.raises(UserError):
            await attempt
    assert (await store.get(GUILD, 1)).texts["en"].answer == "Every first Monday."
    assert len(await store.history(GUILD, 1)) == 1


async def test_entries_per_server_are_capped(db, clock):
    store = EntryStore(db, max_entries=3, changes_per_hour=100, clock=clock)
    for n in range(3):
        await store.propose(GUILD, ANA, draft(question=f"Question {n}"), number=None,
                            review=False)
    with pytest.raises(UserError) as full:
        await store.propose(GUILD, ANA, draft(), number=None, review=False)
    assert full.value.key == "kb.entry.error.cap" and full.value.kwargs["limit"] == 3
    await store.propose(OTHER, CARLA, draft(), number=None, review=False)  # per server
    await store.propose(GUILD, ANA, draft(answer="Edits still work."), number=1, review=False)
    await store.remove(GUILD, ANA, 1)
    await store.propose(GUILD, ANA, draft(), number=None, review=False)  # room again
    with pytest.raises(UserError):
        await store.revert(GUILD, ANA, 1, 1, review=False)  # restoring counts too


async def test_changes_per_moderator_per_hour(db, clock):
    store = EntryStore(db, changes_per_hour=3, clock=clock)
    for n in range(3):
        await store.propose(GUILD, ANA, draft(question=f"Question {n}"), number=None,
                            review=False)
    with pytest.raises(UserError) as limited:
        await store.propose(GUILD, ANA, draft(), number=None, review=False)
    assert limited.value.key == "kb.entry.error.rate"
    expected = int((clock.now + timedelta(hours=1)).timestamp())
    assert f"<t:{expected + 1}:R>" == limited.value.kwargs["when"]
    with pytest.raises(UserError):
        await store.check_room(GUILD, ANA, new=False)
    await store.propose(GUILD, BRUNO, draft(), number=None, review=False)  # per moderator
    await store.propose(OTHER, ANA, draft(), number=None, review=False)  # per server
    clock.now += timedelta(hours=1, seconds=1)
    await store.propose(GUILD, ANA, draft(), number=None, review=False)
    assert len(await store.active(GUILD)) == 5


async def test_publishing_an_entry_closes_its_gap_and_dismissed_gaps_stay_closed(db, store):
    gaps = GapStore(db)
    for text in ("When is the next call?", "when is the next call", "Who pays the bills?"):
        await gaps.record(GUILD, text, "en")
    await gaps.record(OTHER, "When is the next call?", "en")
    [call, bills] = await gaps.top(GUILD)
    assert call.times == 2 and await gaps.find(GUILD, call.key) == call
    assert await gaps.find(OTHER, bills.key) is None
    await store.propose(GUILD, ANA, draft(), number=None, review=True, gap=call.normalized)
    assert len(await gaps.top(GUILD)) == 2  # waiting for review: still unanswered
    await store.approve(GUILD, BRUNO, 1, 1)
    assert [g.question for g in await gaps.top(GUILD)] == ["Who pays the bills?"]
    assert len(await gaps.top(OTHER)) == 1  # the other server's gap is its own
    await gaps.dismiss(GUILD, bills.normalized, ANA)
    assert await gaps.top(GUILD) == []
    await gaps.record(GUILD, "Who pays the bills??", "en")
    await gaps.record(GUILD, "When is the next call", "en")
    # a dismissed question stays dismissed; an answered one asked again comes back
    assert [g.normalized for g in await gaps.top(GUILD)] == [normalize_question("when is the next call")]

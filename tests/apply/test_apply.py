"""Applying plans to the toy API: order, partial failure, ambiguous creates, crash recovery,
the ledger and stale saved plans (R1, R2, R3, R5)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest

from omsform.apply.journal import Journal
from omsform.apply.ledger import UNSURE, Ledger
from omsform.apply.report import ApplyReport
from omsform.apply.run import ApplyEvent, apply_plan, resolve_uncertain
from omsform.apply.saved import check_preconditions, stale_report
from omsform.apply.work import apply_input
from omsform.contract.spec import Desired, Remote
from omsform.engine.read import read_current
from omsform.errors import ApplyError
from omsform.http.client import ClientOptions, WriteClient
from omsform.plan.compare import Fingerprints
from omsform.plan.model import Action, Change, FieldChange, Plan
from omsform.plan.writeonly import write_only_changes
from tests.fixtures.kinds import TOY_PROVIDER_OF, TOY_RESOURCES, ToyGroupSpec, ToyItemSpec
from tests.fixtures.toy_api import TOKEN, ToyApi

Current = dict[str, list[Remote[Any]]]


def group(name: str, **fields: Any) -> Desired[Any]:
    return Desired(f"toy_group.{name}", "toy_group", name, ToyGroupSpec(name=name, **fields))


def item(name: str, group: str, **fields: Any) -> Desired[Any]:
    spec = ToyItemSpec(name=name, group=group, **fields)
    return Desired(f"toy_item.{name}", "toy_item", name, spec, frozenset({f"toy_group.{group}"}))


def change(d: Desired[Any] | str, action: Action, level: int = 0, **fields: Any) -> Change:
    """A change for a desired object, or for an address ``kind.key`` (deletes)."""
    address = d if isinstance(d, str) else d.address
    kind, key = address.split(".", 1)
    depends = tuple(sorted(d.depends_on)) if not isinstance(d, str) else ()
    fields.setdefault("depends_on", depends)
    return Change(
        address=address, kind=kind, key=key, provider="toy", action=action, level=level, **fields
    )


class World:
    """One toy server plus a brand directory (journal and ledger) and a way to run apply."""

    def __init__(self, tmp: Path, api: ToyApi | None = None) -> None:
        self.api = api or ToyApi()
        self.state = tmp / ".omsform"
        self.events: list[ApplyEvent] = []

    def client(self) -> WriteClient:
        async def no_wait(seconds: float) -> None:
            return None

        transport = httpx.ASGITransport(app=self.api)
        options = ClientOptions(transport=transport)
        auth = {"Authorization": f"Token {TOKEN}"}
        return WriteClient("http://toy", auth, options, provider="toy", sleep=no_wait)

    @property
    def journal(self) -> Journal:
        return Journal(self.state / "journal.jsonl")

    @property
    def ledger(self) -> Ledger:
        return Ledger.load(self.state / "ledger.json")

    async def read(self) -> Current:
        async with self.client() as c:
            return await read_current(
                ["toy_group", "toy_item"], TOY_RESOURCES, {"toy": c}, TOY_PROVIDER_OF
            )

    async def apply(
        self, changes: Iterable[Change], desired: Iterable[Desired[Any]], **kw: Any
    ) -> ApplyReport:
        current = await self.read()
        plan = Plan(brand="toy", changes=tuple(changes))
        specs = {d.address: d for d in desired}
        async with self.client() as c:
            return await apply_plan(
                apply_input(plan, specs, TOY_RESOURCES, {"toy"}),
                TOY_RESOURCES,
                {"toy": c},
                current=current,
                journal=self.journal,
                ledger=self.ledger,
                on_event=self.events.append,
                **kw,
            )

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p, _ in self.api.log if m != "GET"]


def run(body: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    return asyncio.run(body())


def test_dependants_are_created_after_their_targets_and_deletes_go_bottom_up(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)
    old_group = world.api.add("groups", name="old")
    old_item = world.api.add("items", name="old-item", group_id=old_group["id"])
    g, i1, i2 = group("g"), item("i1", "g"), item("i2", "g")
    changes = [  # deliberately not in execution order: apply goes by level
        change("toy_group.old", Action.DELETE, 0, remote_id=old_group["id"]),
        change("toy_item.old-item", Action.DELETE, 1, depends_on=("toy_group.old",)),
        change(i1, Action.CREATE, 1),
        change(i2, Action.CREATE, 1),
        change(g, Action.CREATE, 0),
    ]
    report = run(lambda: world.apply(changes, [g, i1, i2]))

    assert report.ok and len(report.applied) == 5
    assert world.writes() == [
        ("POST", "/api/groups/"),
        ("POST", "/api/items/"),
        ("POST", "/api/items/"),
        ("DELETE", f"/api/items/{old_item['id']}/"),
        ("DELETE", f"/api/groups/{old_group['id']}/"),
    ]
    g_id = next(o["id"] for o in world.api.data["groups"].values() if o["name"] == "g")
    assert {o["group_id"] for o in world.api.data["items"].values()} == {g_id}  # id_of
    assert [e.status for e in world.events].count("applied") == 5


def test_a_failure_skips_its_dependants_and_independent_changes_finish(tmp_path: Path) -> None:
    world = World(tmp_path)
    canary = "pw-canary-7e1d"
    world.api.faults.reject = {"g1": 400, "i3": 400}
    g1, g2 = group("g1"), group("g2")
    i1, i2, i3 = item("i1", "g1"), item("i2", "g2"), item("i3", "g2", password=canary)
    changes = [change(d, Action.CREATE, 0) for d in (g1, g2)]
    changes += [change(d, Action.CREATE, 1) for d in (i1, i2, i3)]
    report = run(lambda: world.apply(changes, [g1, g2, i1, i2, i3]))

    assert report.applied == ("toy_group.g2", "toy_item.i2")
    assert [a for a, _ in report.failed] == ["toy_group.g1", "toy_item.i3"]
    assert "→ 400: name: 'g1' is not acceptable." in report.failed[0][1]
    assert canary not in report.failed[1][1] and "(sensitive)" in report.failed[1][1]
    assert report.skipped == (("toy_item.i1", "it depends on toy_group.g1, which failed"),)
    assert world.api.names("groups") == ["g2"] and world.api.names("items") == ["i2"]
    assert canary not in (world.state / "ledger.json").read_text()
    assert not (world.state / "journal.jsonl").exists()  # every write settled: compacted


def test_a_failed_delete_keeps_what_it_still_points_at(tmp_path: Path) -> None:
    world = World(tmp_path)
    g = world.api.add("groups", name="g")
    world.api.add("items", name="stuck", group_id=g["id"])
    world.api.faults.reject = {"stuck": 409}
    changes = [
        change("toy_item.stuck", Action.DELETE, 1, depends_on=("toy_group.g",)),
        change("toy_group.g", Action.DELETE, 0),
    ]
    report = run(lambda: world.apply(changes, []))
    assert [a for a, _ in report.failed] == ["toy_item.stuck"]
    assert report.skipped == (("toy_group.g", "toy_item.stuck still refers to it (not applied)"),)
    assert world.api.names("groups") == ["g"]


@pytest.mark.parametrize("fault", ["post_drop_after_commit", "post_504_after_commit"])
def test_an_ambiguous_create_that_happened_is_found_not_repeated(
    tmp_path: Path, fault: str
) -> None:
    world = World(tmp_path)
    setattr(world.api.faults, fault, 1)
    g = group("g")
    report = run(lambda: world.apply([change(g, Action.CREATE)], [g]))

    assert report.ok and world.api.names("groups") == ["g"]
    assert world.api.count("POST") == 1
    stored = next(iter(world.api.data["groups"].values()))
    assert world.ledger.entries["toy_group.g"].remote_id == stored["id"]
    assert "found it by key" in world.events[-1].message


def test_an_ambiguous_create_that_did_not_happen_is_tried_once_more(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.api.faults.post_drop_before_commit = 1
    g = group("g")
    report = run(lambda: world.apply([change(g, Action.CREATE)], [g]))
    assert report.ok and world.api.names("groups") == ["g"]
    assert world.api.count("POST") == 2


def test_a_run_killed_mid_write_is_resolved_by_the_next_run_without_duplicates(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)
    world.api.faults.post_hang_after_commit = 1
    g1, g2 = group("g1"), group("g2")

    async def killed_run() -> None:
        task = asyncio.create_task(
            world.apply(
                [change(g1, Action.CREATE), change(g2, Action.CREATE)], [g1, g2], parallelism=1
            )
        )
        await world.api.committed.wait()  # g1 is stored; its answer never comes
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    run(killed_run)
    assert [i.address for i in world.journal.uncertain()] == ["toy_group.g1"]

    async def next_run() -> tuple[list[str], ApplyReport]:
        current = await world.read()
        lines = resolve_uncertain(world.journal, current, TOY_RESOURCES)
        # the planner sees g1 in `current`; only g2 is left to create
        return lines, await world.apply([change(g2, Action.CREATE)], [g1, g2])

    lines, report = run(next_run)
    assert len(lines) == 1 and "toy_group.g1: an interrupted create did happen" in lines[0]
    assert report.ok and world.api.names("groups") == ["g1", "g2"]
    assert world.journal.uncertain() == []


def test_an_uncertain_create_that_never_reached_the_server_is_reported(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.journal.intent("run-1", "toy_group.lost", "toy_group", "lost", "create")
    current = run(world.read)
    lines = resolve_uncertain(world.journal, current, TOY_RESOURCES)
    assert lines == ["toy_group.lost: an interrupted create did not happen; the plan creates it"]
    assert world.journal.uncertain() == []


def test_an_interrupted_update_of_a_write_only_value_is_sent_again_by_the_next_plan(
    tmp_path: Path,
) -> None:
    """A run killed while an update of a password was in flight: it may or may not have
    landed, so no fingerprint can be trusted. The next run marks it unsure, and the plan then
    sends the password again (instead of leaving it unverified, its fingerprint lost)."""
    world = World(tmp_path)
    world.api.add("groups", name="g")
    rotated = item("i", "g", password="pw-two-77c1")
    first = item("i", "g", password="pw-one-3f9a")
    run(lambda: world.apply([change(first, Action.CREATE)], [first]))
    (stored,) = world.api.data["items"].values()
    world.journal.intent(  # what the killed run journaled before sending its PATCH
        "run-2",
        "toy_item.i",
        "toy_item",
        "i",
        "update",
        remote_id=stored["id"],
        prints={"password": "scrypt:sent-by-the-killed-run"},
    )
    current = run(world.read)
    lines = resolve_uncertain(world.journal, current, TOY_RESOURCES, ledger=world.ledger)
    assert lines == [
        "toy_item.i: an interrupted update may or may not have happened; the plan rechecks it"
    ]
    assert world.ledger.entries["toy_item.i"].fingerprints == {"password": UNSURE}
    fingerprints = Fingerprints(world.ledger.fingerprints(), world.ledger.fingerprint_for, False)
    live = next(r for r in current["toy_item"] if r.id == stored["id"])
    found, unverified, _ = write_only_changes(
        rotated, live, type(TOY_RESOURCES["toy_item"]), fingerprints
    )
    assert [f.path for f in found] == ["password"] and unverified == []


def test_the_ledger_keeps_ids_and_write_only_fingerprints_never_values(tmp_path: Path) -> None:
    world = World(tmp_path)
    world.api.add("groups", name="g")
    i = item("i", "g", size=1, password="pw-one-3f9a")
    run(lambda: world.apply([change(i, Action.CREATE, 1)], [i]))
    first = world.ledger.entries["toy_item.i"]
    expected = world.ledger.fingerprint_for("toy_item.i:password", "pw-one-3f9a")
    assert first.fingerprints == {"password": expected}
    assert "pw-one-3f9a" not in (world.state / "ledger.json").read_text()

    stored = next(iter(world.api.data["items"].values()))
    bigger = item("i", "g", size=2, password="pw-one-3f9a")
    size_only = change(
        bigger,
        Action.UPDATE,
        1,
        remote_id=stored["id"],
        fields=(FieldChange(path="size", before=1, after=2),),
        sends={"size": 2},
    )
    run(lambda: world.apply([size_only], [bigger]))
    assert stored["size"] == 2
    assert world.ledger.entries["toy_item.i"].fingerprints == {"password": expected}

    rotated = item("i", "g", size=2, password="pw-two-77c1")
    new_password = change(
        rotated,
        Action.UPDATE,
        1,
        remote_id=stored["id"],
        fields=(FieldChange(path="password", sensitive=True),),
        sends={"password": "(sensitive)"},
    )
    run(lambda: world.apply([new_password], [rotated]))
    assert stored["password"] == "pw-two-77c1"
    assert world.ledger.entries["toy_item.i"].fingerprints["password"] != expected

    run(lambda: world.apply([change("toy_item.i", Action.DELETE, 1)], []))
    assert "toy_item.i" not in world.ledger.entries


def test_replace_deletes_then_creates_exactly_one_object(tmp_path: Path) -> None:
    world = World(tmp_path)
    g1, g2 = world.api.add("groups", name="g1"), world.api.add("groups", name="g2")
    old = world.api.add("items", name="r", group_id=g1["id"])
    r = item("r", "g2")
    report = run(lambda: world.apply([change(r, Action.REPLACE, 1, remote_id=old["id"])], [r]))
    assert report.ok and world.writes() == [
        ("DELETE", f"/api/items/{old['id']}/"),
        ("POST", "/api/items/"),
    ]
    (new,) = world.api.data["items"].values()
    assert new["id"] != old["id"] and new["group_id"] == g2["id"]


def test_a_plan_with_a_manual_change_is_refused_before_any_write(tmp_path: Path) -> None:
    world = World(tmp_path)
    g, h = group("g"), group("h")
    changes = [change(g, Action.CREATE), change(h, Action.MANUAL)]
    with pytest.raises(ApplyError, match=r"toy_group\.h"):
        run(lambda: world.apply(changes, [g, h]))
    assert world.writes() == []


def test_a_saved_plan_is_refused_when_a_touched_object_moved(tmp_path: Path) -> None:
    world = World(tmp_path)
    g1 = world.api.add("groups", name="g1")
    g2 = world.api.add("groups", name="g2")
    current = run(world.read)
    by_name = {r.spec.name: r for r in current["toy_group"]}
    new_g1, g3 = group("g1", note="new"), group("g3")
    changes = [
        change(
            new_g1,
            Action.UPDATE,
            remote_id=g1["id"],
            precondition=by_name["g1"].fingerprint,
            fields=(FieldChange(path="note", before="", after="new"),),
        ),
        change(
            "toy_group.g2",
            Action.DELETE,
            remote_id=g2["id"],
            precondition=by_name["g2"].fingerprint,
        ),
        change(g3, Action.CREATE),
    ]
    plan = Plan(brand="toy", changes=tuple(changes))
    assert check_preconditions(plan, current, TOY_RESOURCES) == []

    world.api.edit("groups", g1["id"], note="by hand")
    del world.api.data["groups"][g2["id"]]
    world.api.add("groups", name="g3")
    moved = check_preconditions(plan, run(world.read), TOY_RESOURCES)
    new_stamp = world.api.data["groups"][g1["id"]]["modified_date"]
    assert moved == [
        f"toy_group.g1: changed since the plan ({by_name['g1'].fingerprint} → {new_stamp}): "
        'note: planned from "", now "by hand"',
        "toy_group.g2: was deleted",
        f"toy_group.g3: now exists (id {world.api.data['groups'][g1['id'] + 2]['id']}); "
        "it was created since",
    ]


def test_applying_the_same_saved_plan_twice_is_refused(tmp_path: Path) -> None:
    world = World(tmp_path)
    g1 = world.api.add("groups", name="g1")
    current = run(world.read)
    new_g1, g2 = group("g1", note="new"), group("g2")
    plan = Plan(
        brand="toy",
        changes=(
            change(
                new_g1,
                Action.UPDATE,
                remote_id=g1["id"],
                precondition=current["toy_group"][0].fingerprint,
                fields=(FieldChange(path="note", before="", after="new"),),
                sends={"note": "new"},
            ),
            change(g2, Action.CREATE),
        ),
    )
    assert stale_report(plan, current, TOY_RESOURCES) == ([], False)
    assert run(lambda: world.apply(plan.changes, [new_g1, g2])).ok
    moved, applied = stale_report(plan, run(world.read), TOY_RESOURCES)
    assert [line.split(":")[0] for line in moved] == ["toy_group.g1", "toy_group.g2"]
    assert applied, "every touched object now holds what the plan would make of it"


def test_a_moved_object_names_only_planned_fields_and_never_a_sensitive_value(
    tmp_path: Path,
) -> None:
    world = World(tmp_path)
    g1 = world.api.add("groups", name="g1", note="old")
    current = run(world.read)
    planned = change(
        group("g1", note="new"),
        Action.UPDATE,
        remote_id=g1["id"],
        precondition=current["toy_group"][0].fingerprint,
        fields=(
            FieldChange(path="note", before="old", after="new"),
            FieldChange(path="name", before="(sensitive)", after="(sensitive)", sensitive=True),
        ),
    )
    plan = Plan(brand="toy", changes=(planned,))
    world.api.edit("groups", g1["id"], name="g1")  # touched, planned fields unchanged
    [line], applied = stale_report(plan, run(world.read), TOY_RESOURCES)
    assert line.endswith(", outside the fields the plan changes") and not applied
    world.api.edit("groups", g1["id"], note="someone else")
    [line], applied = stale_report(plan, run(world.read), TOY_RESOURCES)
    assert line.endswith('note: planned from "old", now "someone else"'), line
    assert "name" not in line.split("):", 1)[1] and not applied

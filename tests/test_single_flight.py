"""Single flight and the deadline: work with a lasting effect follows only a caller that answers with it.

Real asyncio, no server: the interleavings below are the ones a deadline can meet in production
(the render ends in the loop turn in which the last waiting request is cut off) and that a test
through HTTP can only hit by chance.
"""

from __future__ import annotations

import asyncio

import pytest

from resizer.server.render import SingleFlight


def run_with_a_deadline(cut_off: str) -> tuple[list[object], bool | None]:
    """One caller waits for work that hands over "image"; `cut_off` says when its deadline fires."""
    outcome: list[object] = []
    taken: bool | None = None

    async def scenario() -> None:
        nonlocal taken
        flights = SingleFlight()

        async def work(flight) -> str:
            nonlocal taken
            if cut_off == "as the result comes":  # before the caller is woken with it
                flight.result.add_done_callback(lambda _: caller.cancel())
            taken = await flight.publish("image")
            return "image"

        caller = asyncio.ensure_future(flights.run("key", work))
        if cut_off == "after":
            await asyncio.sleep(0.05)
        try:
            outcome.append(await caller)
        except asyncio.CancelledError:
            outcome.append("cancelled")
        await flights.landed("key", 1)
        assert "key" not in flights

    asyncio.run(scenario())
    return outcome, taken


def test_a_caller_cut_off_as_the_result_comes_does_not_take_it_and_the_work_knows() -> None:
    outcome, taken = run_with_a_deadline("as the result comes")
    assert outcome == ["cancelled"]
    assert taken is False  # so the rendition is not stored for an answer that was 504


def test_a_caller_that_has_the_result_answers_with_it_and_the_work_goes_on() -> None:
    outcome, taken = run_with_a_deadline("after")
    assert outcome == ["image"]
    assert taken is True


def test_callers_joining_while_the_work_goes_on_share_the_handed_over_result() -> None:
    async def scenario() -> tuple[list[str], int]:
        flights = SingleFlight()
        runs = 0
        storing = asyncio.Event()
        stored = asyncio.Event()

        async def work(flight) -> str:
            nonlocal runs
            runs += 1
            if await flight.publish("image"):
                storing.set()
                await stored.wait()  # the lasting part: storing the rendition
            return "image"

        first = await flights.run("key", work)
        await storing.wait()
        assert "key" in flights  # still the one flight of its key while it stores
        later = await flights.run("key", work)  # joins: gets the image at once, no second render
        stored.set()
        await flights.landed("key", 1)
        return [first, later], runs

    answers, runs = asyncio.run(scenario())
    assert answers == ["image", "image"]
    assert runs == 1


def test_work_that_fails_before_handing_over_fails_every_caller_and_is_not_kept() -> None:
    async def scenario() -> list[str]:
        flights = SingleFlight()

        async def work(flight) -> str:
            await asyncio.sleep(0.01)
            raise ValueError("broken original")

        answers = []
        for result in await asyncio.gather(*(flights.run("key", work) for _ in range(3)), return_exceptions=True):
            answers.append(str(result))
        assert "key" not in flights
        return answers

    assert asyncio.run(scenario()) == ["broken original"] * 3


@pytest.mark.parametrize("callers", [1, 3])
def test_work_is_cancelled_when_every_caller_leaves_before_its_result(callers: int) -> None:
    async def scenario() -> bool:
        flights = SingleFlight()
        started = asyncio.Event()
        cancelled = False

        async def work(flight) -> str:
            nonlocal cancelled
            started.set()
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                cancelled = True
                raise
            return "image"

        waiting = [asyncio.ensure_future(flights.run("key", work)) for _ in range(callers)]
        await started.wait()
        for caller in waiting:
            caller.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
        await flights.landed("key", 1)
        return cancelled

    assert asyncio.run(scenario()) is True

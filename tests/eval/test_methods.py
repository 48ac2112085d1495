"""The paraphrase methods the evaluation compares still run and still find the plain answers."""

import pytest

from bot.knowledge import KnowledgeBase
from eval.methods import METHODS
from eval.questions import EPISODES


@pytest.mark.parametrize("method", sorted(METHODS))
async def test_each_method_answers_a_plain_question(db, method):
    kb = KnowledgeBase(db, semantic=False, expand=METHODS[method])
    assert (await kb.ingest([EPISODES])).ok
    passages = await kb.ask("mixture of experts attention")
    assert "Mixture of Experts" in passages[0].text
    assert await kb.ask("what is the capital of france") == []

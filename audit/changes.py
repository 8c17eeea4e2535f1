"""How a change record reads: each action's sentence, rendered in the reader's language.

A change record stores what happened as an action and its parameters (names, dates, codes);
the sentence is made when someone reads it. A reader who uses English reads English, and a
better wording reaches old records too. The apps that write records register the sentence
of each of their actions here (in their AppConfig.ready()).
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.utils.functional import Promise

Params = Mapping[str, Any]
Renderer = Callable[[Params], str]

_renderers: dict[str, Renderer] = {}


def register(action: str, sentence: Renderer | Promise | str) -> None:
    """The sentence for an action: a lazy translation with %(name)s parameters, or a
    function of the parameters for a sentence that needs more than substitution."""
    if callable(sentence) and not isinstance(sentence, Promise | str):
        _renderers[action] = sentence
    else:
        _renderers[action] = lambda params: str(sentence) % dict(params)


def render(action: str, params: Params | None, legacy: str = "") -> str:
    """The sentence of one record. Records written before actions had parameters keep the
    sentence they were written with (`legacy`)."""
    renderer = _renderers.get(action)
    if renderer is not None and params:
        try:
            return renderer(params)
        except (KeyError, TypeError, ValueError):
            pass  # parameters of an older shape: fall back to the stored sentence
    return legacy or action


_actors: dict[str, Promise | str] = {}


def register_actor(name: str, label: Promise | str) -> None:
    """Who made a change that no user made (an SMS reply, say): the record keeps the name
    in its parameters as "actor" and reads as this label."""
    _actors[name] = label


def actor(params: Params | None) -> str:
    """The label of the record's non-user actor, in the reader's language, or ""."""
    name = (params or {}).get("actor")
    return str(_actors.get(name, name or ""))


def registered_actions() -> frozenset[str]:
    return frozenset(_renderers)

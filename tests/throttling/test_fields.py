"""A rate's RateLimit fields: reused while the counts stay, remade when they change."""

from __future__ import annotations

from multidict import CIMultiDict

from gateway.throttling.fields import RateFields
from gateway.throttling.rates import Rate


def test_the_same_counts_give_the_same_fields_and_new_counts_new_ones() -> None:
    fields = Rate(10, 60.0, "default").fields
    first = fields.of(9, 6)
    assert fields.of(9, 6) is first
    second = fields.of(8, 12)
    assert second is not first
    assert second.pairs == (("RateLimit-Policy", '"default";q=10;w=60'), ("RateLimit", '"default";r=8;t=12'))
    assert second.lines is not None and second.lines[1] == (b"ratelimit", b'RateLimit: "default";r=8;t=12\r\n')


def test_the_fields_replace_those_of_their_name() -> None:
    headers = CIMultiDict([("RateLimit", "upstream"), ("X-A", "1"), ("ratelimit", "again")])
    RateFields("gold", '"gold";q=1;w=1').of(0, 1).add_to(headers)
    policy, state = ("RateLimit-Policy", '"gold";q=1;w=1'), ("RateLimit", '"gold";r=0;t=1')
    assert list(headers.items()) == [state, ("X-A", "1"), policy]


def test_a_rate_name_beyond_printable_text_leaves_the_fields_to_aiohttps_serialiser() -> None:
    assert RateFields("gold\nX-Evil: 1", '"gold\nX-Evil: 1";q=1;w=1').of(0, 1).lines is None
    assert RateFields("café", '"café";q=1;w=1').of(0, 1).lines is None

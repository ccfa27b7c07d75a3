"""The credit model: deterministic, explained, monotone in risk and time, never advancing beyond face value."""

from hypothesis import given, settings, strategies as st

from tradechain.credit import BPS, Inputs, Weights, quote

FACE = 10_000 * 10**6


def test_same_inputs_same_quote_and_parts_add_up():
    a, b = quote(Inputs(FACE, 30, completed=5, volume=FACE)), quote(Inputs(FACE, 30, completed=5, volume=FACE))
    assert a.to_dict() == b.to_dict()
    assert a.discount_bps == round(sum(c["bps"] for c in a.components))
    assert a.price == FACE * (BPS - a.discount_bps) // BPS


def test_a_new_seller_is_priced_by_the_prior():
    q = quote(Inputs(FACE, 0))
    assert q.probability_bad == 0.1 and q.loss_given_bad == 0.5
    parts = {c["name"]: c["bps"] for c in q.components}
    assert parts == {"time value": 0, "expected loss": 500, "concentration": 300, "overdue": 0, "margin": 50}


def test_a_good_record_lowers_the_discount_and_bad_outcomes_raise_it():
    new = quote(Inputs(FACE, 30)).discount_bps
    good = quote(Inputs(FACE, 30, completed=50, volume=20 * FACE)).discount_bps
    lost = quote(Inputs(FACE, 30, completed=50, disputes_lost=10, volume=20 * FACE)).discount_bps
    refunded = quote(Inputs(FACE, 30, completed=50, refunds=10, volume=20 * FACE)).discount_bps
    assert good < new and good < lost < refunded


def test_time_and_overdue_days_cost_more():
    assert quote(Inputs(FACE, 10)).discount_bps < quote(Inputs(FACE, 90)).discount_bps
    assert quote(Inputs(FACE, -10)).discount_bps - quote(Inputs(FACE, 0)).discount_bps == 250


def test_discount_is_clamped():
    w = Weights()
    assert quote(Inputs(FACE, 0, completed=10_000, volume=10**9 * FACE), Weights(margin_bps=0)).discount_bps >= w.min_bps
    assert quote(Inputs(FACE, -400, refunds=50)).discount_bps == w.max_bps


@settings(max_examples=60, deadline=None)
@given(face=st.integers(1, 10**30), days=st.floats(-60, 365), completed=st.integers(0, 500),
       lost=st.integers(0, 100), refunds=st.integers(0, 100), volume=st.integers(0, 10**32))
def test_the_advance_never_repays_more_than_face_value(face, days, completed, lost, refunds, volume):
    q = quote(Inputs(face, days, completed, lost, refunds, volume))
    assert 0 <= q.price <= face
    assert q.advance_repayment <= face
    assert q.advance_principal <= q.advance_repayment


def test_a_schedule_paying_part_early_lowers_the_discount_and_says_why():
    """Tranches released by logistics events: part of the face value is paid before the due date, and only the End
    tranche can still be disputed, so the quote's time value and expected loss both fall."""
    plain = quote(Inputs(FACE, 30))
    early = quote(Inputs(FACE, 30, tranches=(("ExportCleared", 3000), ("End", 7000))))
    assert early.discount_bps < plain.discount_bps
    parts = {c["name"]: c for c in early.components}
    assert "30% at ExportCleared" in parts["time value"]["why"] and "only the End tranche" in parts["expected loss"]["why"]
    # all at End is the plain order
    assert quote(Inputs(FACE, 30, tranches=(("End", 10_000),))).discount_bps == plain.discount_bps

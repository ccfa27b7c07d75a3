"""`tradechain order create --price '10000 EUR' --pay tUSD [--quote FILE]` and `tradechain fx …`, as a user runs them
against a real anvil: publish feed rounds, read the checked rate, sign a quote, lock a rate, read it back."""

import json

from test_json_output import validate


def _json(tc, *args):
    out = tc(*args, "--json").output
    validate(".".join(a for a in args if not a.startswith("-") and a in _COMMANDS), out)
    return json.loads(out)


_COMMANDS = {"fx", "rate", "publish", "quote", "lock", "order", "create"}


def test_an_order_priced_in_eur_is_paid_in_tusd_at_the_feed_rate_and_shows_its_lock(tc):
    refused = tc("fx", "rate", "EUR", "--pay", "tUSD", ok=False)
    assert refused.exit_code == 1 and "answered 0" in refused.output  # no round published yet
    tc("fx", "publish", "1.0772")
    assert _json(tc, "fx", "publish", "1.0814")["roundId"] == 2
    rate = _json(tc, "fx", "rate", "EUR", "--pay", "tUSD")
    assert rate["rateText"] == "1.0814" and rate["roundId"] == 2
    placed = _json(tc, "order", "create", "--seller", "seller", "--price", "10000 EUR", "--pay", "tUSD")
    assert (placed["amountText"], placed["priceText"], placed["rateText"], placed["rateSource"]) == (
        "10814 tUSD", "10000.00 EUR", "1.0814", "Feed")
    lock = _json(tc, "fx", "lock", str(placed["orderId"]))
    assert (lock["currency"], lock["price"], lock["rateText"], lock["source"], lock["amount"]) == (
        "EUR", 1_000_000, "1.0814", "Feed", 10_814 * 10**6)
    rows = json.loads(tc("order", "show", str(placed["orderId"]), "--json").output)["timeline"]
    assert [r["action"] for r in rows[:2]] == ["placed and paid", "rate locked"] and rows[1]["detail"].startswith(
        "10000.00 EUR at 1.0814 per EUR from the signed feed (round 2): 10814 tUSD collected")


def test_a_signed_quote_file_prices_an_eth_order_once(tc, tmp_path):
    quote = tmp_path / "quote.json"
    signed = _json(tc, "fx", "quote", "--pay", "ETH", "--rate", "0.0004", "--buyer", "buyer", "--out", str(quote))
    assert signed["rateText"] == "0.0004"
    placed = _json(tc, "order", "create", "--seller", "seller", "--price", "2500 EUR", "--pay", "ETH",
                   "--quote", str(quote))
    assert placed["amountText"] == "1 ETH" and placed["rateSource"] == "Quote"
    again = tc("order", "create", "--seller", "seller", "--price", "2500 EUR", "--pay", "ETH", "--quote", str(quote),
               ok=False)
    assert again.exit_code == 1 and "already been used" in again.output
    assert len(again.output.strip().splitlines()) == 1


def test_fx_mistakes_are_one_line_errors(tc, tmp_path):
    cases = [
        (["order", "create", "--seller", "seller"], 2, "one of the two"),
        (["order", "create", "--seller", "seller", "--amount", "1 ETH", "--price", "5 EUR"], 2, "one of the two"),
        (["order", "create", "--seller", "seller", "--amount", "1 ETH", "--pay", "tUSD"], 2, "go with --price"),
        (["order", "create", "--seller", "seller", "--price", "EUR 10"], 2, "is not a number"),
        (["order", "create", "--seller", "seller", "--price", "10000"], 2, "an amount and a currency"),
        (["order", "create", "--seller", "seller", "--price", "10 GBP"], 2, "no rate for GBP"),
        (["order", "create", "--seller", "seller", "--price", "10 EUR", "--pay", "ETH"], 2, "use a signed quote"),
        (["order", "create", "--seller", "seller", "--price", "10.001 EUR"], 2, "more than 2 decimals"),
        (["fx", "quote", "--rate", "1.1", "--buyer", "buyer", "--out", str(tmp_path / "q"), "--account", "seller"], 2,
         "not a quote signer"),
        (["fx", "quote", "--rate", "-1", "--buyer", "buyer", "--out", str(tmp_path / "q")], 2, "positive"),
        (["fx", "publish", "1.1", "--account", "nobody"], 2, "nobody"),
    ]
    bad_quote = tmp_path / "bad.json"
    bad_quote.write_text("{}")
    cases.append((["order", "create", "--seller", "seller", "--price", "10 EUR", "--quote", str(bad_quote)], 2,
                  "not a quote file"))
    for argv, code, words in cases:
        result = tc(*argv, ok=False)
        assert result.exit_code == code and words in result.output, (argv, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output

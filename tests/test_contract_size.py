"""EIP-170: no deployed contract of the suite may exceed 24,576 bytes of code, or mainnet would refuse it (the
embedded chain and anvil may not). The margin of each is printed, so a change that eats it shows in the log."""

from __future__ import annotations

from tradechain.deployment import SUITE

EIP170_LIMIT = 24_576  # bytes of runtime code (EIP-170, Spurious Dragon)


def test_every_deployed_suite_contract_is_under_the_eip170_limit(chain, deployment, capsys):
    sizes = {name: len(bytes(chain.w3.eth.get_code(deployment.addresses[name]))) for name in SUITE}
    with capsys.disabled():
        print()
        for name, size in sizes.items():
            print(f"  {name:<16} {size:>6} bytes deployed, {EIP170_LIMIT - size:>6} bytes under EIP-170's {EIP170_LIMIT}")
    assert all(size > 0 for size in sizes.values()), f"a suite contract has no code: {sizes}"
    over = {name: size for name, size in sizes.items() if size > EIP170_LIMIT}
    assert not over, f"over EIP-170's {EIP170_LIMIT} bytes: {over}"

"""tradechain: blockchain trade settlement (see DESIGN.md)."""

from tradechain import deferred

deferred.install()  # before anything imports web3: keystore/BLS and aiohttp code load only when used

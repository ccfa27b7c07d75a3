// Hardhat's node (EDR) as a second EVM implementation for the conformance tests and `bench speed`.
// Only the in-process network matters: same fork as the compiler's evmVersion and anvil's --hardfork, and the
// same chain id and dev accounts as anvil (the "test test ... junk" mnemonic, Hardhat's default too).
// Nothing is compiled here: contracts are built by tradechain's own compiler.
module.exports = {
  networks: {
    hardhat: {
      hardfork: "prague",
      chainId: Number(process.env.HARDHAT_CHAIN_ID || 31337),
    },
  },
  paths: { sources: "./no-sources", cache: "../build/hardhat-cache", artifacts: "../build/hardhat-artifacts" },
};

// Hardhat 3, only for its node: `hardhat node --chain-type op` serves an OP Stack chain with the GasPriceOracle
// predeploy (tests/test_rollup_fees.py). Nothing is compiled here.
export default {};

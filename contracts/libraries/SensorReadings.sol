// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IProvenance} from "../interfaces/IProvenance.sol";

/// @title SensorReadings — the compact reading format and the limit check.
/// @notice Readings travel as one `bytes` of 9-byte records: uint8 sensor, uint32 unix time, int32 value in
/// hundredths (0.01 °C, 0.01 %RH, 0.01 g) — 9 bytes of calldata each instead of three ABI words.
library SensorReadings {
    uint256 internal constant RECORD = 9;

    /// @dev The i-th record of `packed` (the caller checked the length).
    function at(bytes calldata packed, uint256 i) internal pure returns (uint8 sensor, uint256 time, int256 value) {
        uint256 o = i * RECORD;
        sensor = uint8(packed[o]);
        time = uint32(bytes4(packed[o + 1:o + 5]));
        value = int32(uint32(bytes4(packed[o + 5:o + 9])));
    }

    /// @dev The agreed range for `sensor`; humidity and shock have no lower limit. Reverts on an unknown sensor.
    function range(IProvenance.Limits memory lim, uint8 sensor) internal pure returns (int256 min, int256 max) {
        if (sensor == uint8(IProvenance.Sensor.Temperature)) return (lim.tempMin, lim.tempMax);
        if (sensor == uint8(IProvenance.Sensor.Humidity)) return (type(int32).min, lim.humidityMax);
        if (sensor == uint8(IProvenance.Sensor.Shock)) return (type(int32).min, lim.shockMax);
        revert IProvenance.UnknownSensor(sensor);
    }
}

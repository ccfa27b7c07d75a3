// keccak-256 (the original Keccak padding Ethereum uses, not SHA3-256), in plain JS for the verify page:
// a dropped file is hashed here, in the browser, and never uploaded. Lanes are (lo, hi) 32-bit halves.
// Written for tradechain (MIT); checked against eth_utils.keccak in tests/test_explorer.py.
(function (global) {
  "use strict";
  var RC = [1, 0, 32898, 0, 32906, 2147483648, 2147516416, 2147483648, 32907, 0, 2147483649, 0,
    2147516545, 2147483648, 32777, 2147483648, 138, 0, 136, 0, 2147516425, 0, 2147483658, 0,
    2147516555, 0, 139, 2147483648, 32905, 2147483648, 32771, 2147483648, 32770, 2147483648,
    128, 2147483648, 32778, 0, 2147483658, 2147483648, 2147516545, 2147483648, 32896, 2147483648,
    2147483649, 0, 2147516424, 2147483648];
  // rotation offset of lane x + 5y
  var ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14];

  function permute(L, H) {
    var cl = new Uint32Array(5), ch = new Uint32Array(5), bl = new Uint32Array(25), bh = new Uint32Array(25);
    for (var round = 0; round < 24; round++) {
      var x, y, i;
      for (x = 0; x < 5; x++) {
        cl[x] = L[x] ^ L[x + 5] ^ L[x + 10] ^ L[x + 15] ^ L[x + 20];
        ch[x] = H[x] ^ H[x + 5] ^ H[x + 10] ^ H[x + 15] ^ H[x + 20];
      }
      for (x = 0; x < 5; x++) {
        var nl = cl[(x + 1) % 5], nh = ch[(x + 1) % 5];
        var dl = cl[(x + 4) % 5] ^ ((nl << 1) | (nh >>> 31));
        var dh = ch[(x + 4) % 5] ^ ((nh << 1) | (nl >>> 31));
        for (y = 0; y < 25; y += 5) { L[x + y] ^= dl; H[x + y] ^= dh; }
      }
      for (x = 0; x < 5; x++) {
        for (y = 0; y < 5; y++) {
          i = x + 5 * y;
          var l = L[i], h = H[i], r = ROT[i];
          if (r >= 32) { var t = l; l = h; h = t; r -= 32; }
          var rl = r ? ((l << r) | (h >>> (32 - r))) : l;
          var rh = r ? ((h << r) | (l >>> (32 - r))) : h;
          var j = y + 5 * ((2 * x + 3 * y) % 5);
          bl[j] = rl; bh[j] = rh;
        }
      }
      for (y = 0; y < 25; y += 5) {
        for (x = 0; x < 5; x++) {
          L[x + y] = bl[x + y] ^ (~bl[(x + 1) % 5 + y] & bl[(x + 2) % 5 + y]);
          H[x + y] = bh[x + y] ^ (~bh[(x + 1) % 5 + y] & bh[(x + 2) % 5 + y]);
        }
      }
      L[0] ^= RC[2 * round]; H[0] ^= RC[2 * round + 1];
    }
  }

  function keccak256(bytes) {
    var RATE = 136, L = new Uint32Array(25), H = new Uint32Array(25);
    var padded = new Uint8Array(Math.floor(bytes.length / RATE) * RATE + RATE);
    padded.set(bytes);
    padded[bytes.length] ^= 0x01;
    padded[padded.length - 1] ^= 0x80;
    for (var off = 0; off < padded.length; off += RATE) {
      for (var i = 0; i < RATE / 8; i++) {
        var p = off + 8 * i;
        L[i] ^= padded[p] | (padded[p + 1] << 8) | (padded[p + 2] << 16) | (padded[p + 3] << 24);
        H[i] ^= padded[p + 4] | (padded[p + 5] << 8) | (padded[p + 6] << 16) | (padded[p + 7] << 24);
      }
      permute(L, H);
    }
    var hex = "0x";
    for (var k = 0; k < 4; k++) {
      [L[k], H[k]].forEach(function (w) {
        for (var b = 0; b < 4; b++) hex += ((w >>> (8 * b)) & 255).toString(16).padStart(2, "0");
      });
    }
    return hex;
  }
  global.keccak256 = keccak256;
  if (typeof module !== "undefined") module.exports = keccak256;
})(typeof window !== "undefined" ? window : globalThis);

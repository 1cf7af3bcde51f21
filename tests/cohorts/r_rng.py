"""R's default random numbers (Mersenne-Twister, set.seed scrambling, exp_rand), to rebuild the data
of R outputs that were printed from simulated data (cmprsk's tests/test.R) and compare to the print.

Written from R's src/main/RNG.c (RNG_Init: 50 rounds of seed = 69069 * seed + 1, then one round per
state word; MT19937 tempering, or Marsaglia's multiply-with-carry; unif_rand() kept inside (0, 1)),
src/nmath/sexp.c (Ahrens & Dieter 1972), src/nmath/snorm.c and do_sample before R 3.6.0
(sample with replacement: floor(n * u) + 1).
"""

from __future__ import annotations

import math

import numpy as np

_Q = [
    0.6931471805599453,
    0.9333736875190459,
    0.9888777961838675,
    0.9984959252914960040,
    0.9998292811061389,
    0.9999833164100727,
    0.9999985508060076,
    0.9999998906925558,
    0.9999999924734159,
    0.9999999995283275,
    0.9999999999728814,
    0.9999999999985598,
    0.9999999999999289,
    0.9999999999999968,
    0.9999999999999999,
    1.0000000000000000,
]


class RRandom:
    """`kind="Mersenne-Twister"` (R >= 1.7.0) or `"Marsaglia-Multicarry"` (R <= 1.6, RNGversion("1.6.2"))."""

    def __init__(self, seed: int, kind: str = "Mersenne-Twister") -> None:
        value = seed & 0xFFFFFFFF
        for _ in range(50):
            value = (69069 * value + 1) & 0xFFFFFFFF
        self.kind = kind
        if kind == "Marsaglia-Multicarry":
            self._i1 = (69069 * value + 1) & 0xFFFFFFFF
            self._i2 = (69069 * self._i1 + 1) & 0xFFFFFFFF
            self._i1 = self._i1 or 1
            self._i2 = self._i2 or 1
            return
        words = []
        for _ in range(625):
            value = (69069 * value + 1) & 0xFFFFFFFF
            words.append(value)
        # words[0] is R's mti slot (fixed up to 624); the state is words[1:].
        self._bits = np.random.MT19937()
        self._bits.state = {
            "bit_generator": "MT19937",
            "state": {"key": np.array(words[1:], dtype=np.uint32), "pos": 624},
        }

    def _raw(self) -> float:
        if self.kind == "Marsaglia-Multicarry":
            self._i1 = (36969 * (self._i1 & 0xFFFF) + (self._i1 >> 16)) & 0xFFFFFFFF
            self._i2 = (18000 * (self._i2 & 0xFFFF) + (self._i2 >> 16)) & 0xFFFFFFFF
            return float(((self._i1 << 16) & 0xFFFFFFFF) ^ (self._i2 & 0xFFFF)) * 2.328306437080797e-10
        return float(self._bits.random_raw()) * 2.3283064365386963e-10

    def unif(self) -> float:
        while True:
            value = self._raw()
            if 0.0 < value < 1.0:
                return value

    def exp(self) -> float:
        a = 0.0
        u = self.unif()
        while True:
            u += u
            if u > 1.0:
                break
            a += _Q[0]
        u -= 1.0
        if u <= _Q[0]:
            return a + u
        i = 0
        ustar = self.unif()
        umin = ustar
        while True:
            ustar = self.unif()
            umin = min(umin, ustar)
            i += 1
            if u <= _Q[i]:
                break
        return a + umin * _Q[0]

    def rexp(self, n: int) -> np.ndarray:
        return np.array([self.exp() for _ in range(n)])

    def sample_replace(self, values: list[int], n: int) -> np.ndarray:
        """sample(values, n, replace = TRUE) as R < 3.6.0 drew it."""
        k = len(values)
        return np.array([values[int(k * self.unif())] for _ in range(n)])


# R's src/nmath/snorm.c, BUGGY_KINDERMAN_RAMAGE (the normal generator of R <= 1.6, RNGversion("1.6.2")).
_A = 2.216035867166471
_C1 = 0.398942280401433
_C2 = 0.180025191068563


def _g(x: float) -> float:
    return _C1 * math.exp(-x * x / 2.0) - _C2 * (_A - x)


def buggy_kinderman_ramage(r: RRandom) -> float:
    u1 = r.unif()
    if u1 < 0.884070402298758:
        u2 = r.unif()
        return _A * (1.13113163544180 * u1 + u2 - 1)
    if u1 >= 0.973310954173898:
        while True:
            u2 = r.unif()
            u3 = r.unif()
            tt = _A * _A - 2 * math.log(u3)
            if u2 * u2 < (_A * _A) / tt:
                return math.sqrt(tt) if u1 < 0.986655477086949 else -math.sqrt(tt)
    if u1 >= 0.958720824790463:
        while True:
            u2 = r.unif()
            u3 = r.unif()
            tt = _A - 0.630834801921960 * min(u2, u3)
            if max(u2, u3) <= 0.755591531667601:
                return tt if u2 < u3 else -tt
            if 0.034240503750111 * abs(u2 - u3) <= _g(tt):
                return tt if u2 < u3 else -tt
    if u1 >= 0.911312780288703:
        while True:
            u2 = r.unif()
            u3 = r.unif()
            tt = 0.479727404222441 + 1.105473661022070 * min(u2, u3)
            if max(u2, u3) <= 0.872834976671790:
                return tt if u2 < u3 else -tt
            if 0.049264496373128 * abs(u2 - u3) <= _g(tt):
                return tt if u2 < u3 else -tt
    while True:
        u2 = r.unif()
        u3 = r.unif()
        tt = 0.479727404222441 - 0.595507138015940 * min(u2, u3)
        if max(u2, u3) <= 0.805577924423817:
            return tt if u2 < u3 else -tt

# Gappa proof of the reduction's absolute error (certified_trig.cc, kReductionAbsError):
# with an integer |m| < 2^31 and θ̂·2/π ≈ t0 + t1 + t2 + t3 (each the rounding of the rest:
# 0 ≤ t0 < 2/π·1, |t1| ≤ 2^-54, |t2| ≤ 2^-107, |t3| ≤ 2^-160), the double-double the code
# holds before adding d0 = p0 − k differs from the exact
#   m·(t0 + t1 + t2 + t3) − p0 = p0l + p1h + p1l + p2h + p2l + m·t3
# by at most 2^-125 (quadrant units). The last addition (of d0) and the product by π/2 are
# relative errors of r, counted in kTrigRelativeError (README).
@rnd = float<ieee_64, ne>;

p0h = rnd(m * t0);
p0l = m * t0 - p0h;        # two_prod: exact
p1h = rnd(m * t1);
p1l = m * t1 - p1h;
p2h = rnd(m * t2);
p2l = m * t2 - p2h;
p3 = rnd(m * t3);
small = rnd(rnd(rnd(p2l + p3) + p2h) + p1l);
fraction = (p1h + small + p0l) * (1 + e1);   # two_sum exact, then AddD: ≤ 2u²
EXACT = p0l + p1h + p1l + p2h + p2l + m * t3;

{
  m in [-2147483647, 2147483647] /\ t0 in [0, 0.63662] /\
  t1 in [-1b-54, 1b-54] /\ t2 in [-1b-107, 1b-107] /\ t3 in [-1b-160, 1b-160] /\
  e1 in [-2b-106, 2b-106]
  -> |fraction - EXACT| <= 1b-125
}

fraction - EXACT -> (small - (p1l + p2h + p2l + m*t3)) + (p1h + small + p0l) * e1;
small - (p1l + p2h + p2l + m*t3) -> (small - (rnd(rnd(p2l + p3) + p2h) + p1l))
                                   + (rnd(rnd(p2l + p3) + p2h) - (rnd(p2l + p3) + p2h))
                                   + (rnd(p2l + p3) - (p2l + p3)) + (p3 - m*t3);

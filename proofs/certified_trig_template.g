# Gappa proof of certified_trig's evaluation bound for one table row j (proofs/README.md).
# Generated inputs, substituted by check_proofs.py: @J@, @SJ_LO@, @SJ_HI@, @CJ_LO@, @CJ_HI@,
# @Z_MAX@ and @GOAL@ (the bound to prove, in units of 2^-106).
# Values: lower case what the code computes, upper case the exact quantities.
# A double-double operation is its exact result times (1 + e), |e| ≤ its proven bound
# (double_double.h: Joldes, Muller, Popescu 2017); a double operation is Gappa's rounding.
@rnd = float<ieee_64, ne>;

# Exact: w = z², the Taylor polynomials, and sin z, cos z with their remainders.
W = z * z;
QS = -1/5040 + W*(1/362880 + W*(-1/39916800));
S2 = 1/120 + W*QS;
S1 = -1/6 + W*S2;
PS = 1 + W*S1;
QC = -1/720 + W*(1/40320 + W*(-1/3628800));
C2 = 1/24 + W*QC;
C1 = -1/2 + W*C2;
PC = 1 + W*C1;
SINZ = z * PS * (1 + rs);   # |sin z − z·PS| ≤ |z|·z^12/13! : rs below
COSZ = PC + rc;             # |cos z − PC| ≤ z^12/12!       : rc below

# Computed (certified_lanes-inl.h, SinCosSmall): z is exact.
w = W * (1 + m1);
whi = rnd(w);
sq = rnd(rnd(-1/5040) + rnd(whi * rnd(rnd(1/362880) + rnd(whi * rnd(-1/39916800)))));
wsq = w * sq * (1 + f1);
s2 = (1/120 * (1 + k5) + wsq) * (1 + a1);
ws2 = w * s2 * (1 + m2);
s1 = (-1/6 * (1 + k3) + ws2) * (1 + a2);
ws1 = w * s1 * (1 + m3);
ps = (ws1 + 1) * (1 + d1);
sz = z * ps * (1 + m4);
cq = rnd(rnd(-1/720) + rnd(whi * rnd(rnd(1/40320) + rnd(whi * rnd(-1/3628800)))));
wcq = w * cq * (1 + f2);
c2 = (1/24 * (1 + k4) + wcq) * (1 + a3);
wc2 = w * c2 * (1 + m5);
c1 = (wc2 - 1/2) * (1 + d2);
wc1 = w * c1 * (1 + m6);
cz = (wc1 + 1) * (1 + d3);

# The table row: S_j = sin(j/64), C_j = cos(j/64) exactly; sj, cj their double-doubles.
sj = SJ * (1 + ts);
cj = CJ * (1 + tc);
SR = SJ * COSZ + CJ * SINZ;
CR = CJ * COSZ - SJ * SINZ;
sr = (sj * cz * (1 + m7) + cj * sz * (1 + m8)) * (1 + a4);
cr = (cj * cz * (1 + m9) - sj * sz * (1 + m10)) * (1 + a5);

{
  z in [-@Z_MAX@, @Z_MAX@] /\ SJ in [@SJ_LO@, @SJ_HI@] /\ CJ in [@CJ_LO@, @CJ_HI@] /\
  rs in [-1b-116, 1b-116] /\ rc in [-1b-112, 1b-112] /\
  k3 in [-1b-106, 1b-106] /\ k4 in [-1b-106, 1b-106] /\ k5 in [-1b-106, 1b-106] /\
  ts in [-1b-106, 1b-106] /\ tc in [-1b-106, 1b-106] /\
  m1 in [-5b-106, 5b-106] /\ m2 in [-5b-106, 5b-106] /\ m3 in [-5b-106, 5b-106] /\
  m4 in [-5b-106, 5b-106] /\ m5 in [-5b-106, 5b-106] /\ m6 in [-5b-106, 5b-106] /\
  m7 in [-5b-106, 5b-106] /\ m8 in [-5b-106, 5b-106] /\ m9 in [-5b-106, 5b-106] /\
  m10 in [-5b-106, 5b-106] /\
  f1 in [-2b-106, 2b-106] /\ f2 in [-2b-106, 2b-106] /\
  d1 in [-2b-106, 2b-106] /\ d2 in [-2b-106, 2b-106] /\ d3 in [-2b-106, 2b-106] /\
  a1 in [-1610612737b-135, 1610612737b-135] /\ a2 in [-1610612737b-135, 1610612737b-135] /\
  a3 in [-1610612737b-135, 1610612737b-135] /\ a4 in [-1610612737b-135, 1610612737b-135] /\
  a5 in [-1610612737b-135, 1610612737b-135]
  ->
  |(sr - SR) / SR| <= @GOAL@b-106 /\ |(cr - CR) / CR| <= @GOAL@b-106
}

# Hints: each computed value minus its exact counterpart, split into the error of its
# inputs and its own rounding.
w - W -> W * m1;
wsq - W*QS -> (w*sq - W*QS) + w*sq*f1;
s2 - S2 -> (1/120*k5 + (wsq - W*QS)) + (1/120*(1 + k5) + wsq) * a1;
ws2 - W*S2 -> (w*s2 - W*S2) + w*s2*m2;
s1 - S1 -> (-1/6*k3 + (ws2 - W*S2)) + (-1/6*(1 + k3) + ws2) * a2;
ws1 - W*S1 -> (w*s1 - W*S1) + w*s1*m3;
ps - PS -> (ws1 - W*S1) + (ws1 + 1) * d1;
wcq - W*QC -> (w*cq - W*QC) + w*cq*f2;
c2 - C2 -> (1/24*k4 + (wcq - W*QC)) + (1/24*(1 + k4) + wcq) * a3;
wc2 - W*C2 -> (w*c2 - W*C2) + w*c2*m5;
c1 - C1 -> (wc2 - W*C2) + (wc2 - 1/2) * d2;
wc1 - W*C1 -> (w*c1 - W*C1) + w*c1*m6;
cz - COSZ -> ((wc1 - W*C1) - rc) + (wc1 + 1) * d3;
sz - SINZ -> z * ((ps - PS) + ps * m4 - PS * rs);
sj - SJ -> SJ * ts;
cj - CJ -> CJ * tc;
sr - SR -> ((sj*cz - SJ*COSZ) + sj*cz*m7 + (cj*sz - CJ*SINZ) + cj*sz*m8)
           + (sj*cz*(1 + m7) + cj*sz*(1 + m8)) * a4;
cr - CR -> ((cj*cz - CJ*COSZ) + cj*cz*m9 - (sj*sz - SJ*SINZ) - sj*sz*m10)
           + (cj*cz*(1 + m9) - sj*sz*(1 + m10)) * a5;

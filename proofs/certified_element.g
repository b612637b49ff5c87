# Gappa proof of dot2's bound (certified_rope.cc, certified_lanes-inl.h Dot2): for doubles
# a, b and double-doubles C = chi + clo, S = shi + slo (|clo| ≤ 2^-53·|chi|, the same for S),
# the double-double y = a·C + b·S it returns satisfies
#   |y − (a·C + b·S)| ≤ 17·2^-106·(|a·chi| + |b·shi|).
# Scaling by a power of two changes no rounding (no underflow or overflow: the fast path's
# gates keep every product and its low part between 2^-1000 and 2^700), so P = a·chi and Q = b·shi are taken with
# |P| + |Q| in [1, 2]; two_prod and two_sum are exact, and are written as their exact
# definitions (pl = P − rnd(P), …); std::fma is one rounding of x·y + z.
@rnd = float<ieee_64, ne>;

ph = rnd(P);
pl = P - ph;
qh = rnd(Q);
ql = Q - qh;
sh = rnd(ph + qh);
sl = (ph + qh) - sh;
t0 = rnd(pl + ql);
t1 = rnd(Q * es + t0);     # fma(b, slo, t0), b·slo = Q·es
t2 = rnd(P * ec + t1);     # fma(a, clo, t1)
tail = rnd(t2 + sl);
y = sh + tail;             # two_sum(sh, tail): exact
Y = P + P * ec + Q + Q * es;

{
  P in [-2, 2] /\ Q in [-2, 2] /\ |P| + |Q| in [1, 2] /\
  ec in [-1b-53, 1b-53] /\ es in [-1b-53, 1b-53]
  -> |y - Y| <= 17b-106
}

y - Y -> (tail - (t2 + sl)) + (t2 - (P*ec + t1)) + (t1 - (Q*es + t0)) + (t0 - (pl + ql));

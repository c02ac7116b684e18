/*-------------------------------------------------------------------------
 *
 * sk_random.c
 *	  The random numbers scikit-learn's tree estimators draw, reproduced so
 *	  that a random_state gives the trees scikit-learn gives
 *	  (trainer_cart.h): NumPy's legacy RandomState (the Mersenne Twister
 *	  MT19937 seeded by init_genrand, bounded integers by masked rejection,
 *	  doubles from two 32-bit draws) and the xorshift generator the tree
 *	  splitters use for feature draws and random thresholds.
 *
 *	  Written from the published algorithms (Matsumoto and Nishimura 1998;
 *	  Marsaglia 2003) and NumPy's documented legacy behaviour; the test
 *	  test/t/054_tree_parity.pl compares the resulting trees with
 *	  scikit-learn's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "trainer_cart.h"

#define MT_N 624
#define MT_M 397
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

/* See trainer_cart.h. */
void
sk_rs_seed(SkRandomState *rs, uint32 seed)
{
	rs->mt[0] = seed;
	for (int i = 1; i < MT_N; i++)
		rs->mt[i] = 1812433253u * (rs->mt[i - 1] ^ (rs->mt[i - 1] >> 30)) + (uint32) i;
	rs->pos = MT_N;
}

/* Regenerate the 624 words of state. */
static void
mt_twist(SkRandomState *rs)
{
	for (int i = 0; i < MT_N; i++)
	{
		uint32		y = (rs->mt[i] & MT_UPPER) | (rs->mt[(i + 1) % MT_N] & MT_LOWER);
		uint32		v = rs->mt[(i + MT_M) % MT_N] ^ (y >> 1);

		if (y & 1u)
			v ^= 0x9908b0dfu;
		rs->mt[i] = v;
	}
	rs->pos = 0;
}

/* See trainer_cart.h. */
uint32
sk_rs_next32(SkRandomState *rs)
{
	uint32		y;

	if (rs->pos >= MT_N)
		mt_twist(rs);
	y = rs->mt[rs->pos++];
	y ^= y >> 11;
	y ^= (y << 7) & 0x9d2c5680u;
	y ^= (y << 15) & 0xefc60000u;
	y ^= y >> 18;
	return y;
}

/* See trainer_cart.h: a Fisher-Yates from the end, as NumPy's legacy shuffle. */
void
sk_rs_permutation(SkRandomState *rs, int64 *perm, int64 n)
{
	for (int64 i = 0; i < n; i++)
		perm[i] = i;
	for (int64 i = n - 1; i >= 1; i--)
	{
		int64		j = sk_rs_randint(rs, 0, i + 1);
		int64		t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
}

/* See trainer_cart.h. */
int64
sk_rs_randint(SkRandomState *rs, int64 low, int64 high)
{
	uint64		range = (uint64) (high - low - 1);
	uint32		mask;
	uint32		v;

	Assert(high > low && range <= PG_UINT32_MAX);
	if (range == 0)
		return low;
	/* the smallest all-ones mask covering range */
	mask = (uint32) range;
	mask |= mask >> 1;
	mask |= mask >> 2;
	mask |= mask >> 4;
	mask |= mask >> 8;
	mask |= mask >> 16;
	while ((v = sk_rs_next32(rs) & mask) > (uint32) range)
		;
	return low + (int64) v;
}

/* See trainer_cart.h. */
double
sk_rs_random(SkRandomState *rs)
{
	uint32		a = sk_rs_next32(rs) >> 5;
	uint32		b = sk_rs_next32(rs) >> 6;

	return ((double) a * 67108864.0 + (double) b) / 9007199254740992.0;
}

/* See trainer_cart.h. */
uint32
sk_rand_r(uint32 *seed)
{
	if (*seed == 0)
		*seed = 1;
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed % ((uint32) SK_RAND_R_MAX + 1);
}

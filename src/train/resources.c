/*-------------------------------------------------------------------------
 *
 * resources.c
 *	  CPUs and working memory: what both the job code (pgml_train.so) and
 *	  the fit code (the pgml_trainer executable) ask for.  Linked into both.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sched.h>
#include <unistd.h>

#include "utils/memutils.h"

#include "pgml_train.h"

/* CPUs in this process's affinity mask; all online CPUs if unknown. */
int
pgml_train_cpus(void)
{
	cpu_set_t	set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	return (int) Max(1, sysconf(_SC_NPROCESSORS_ONLN));
}

/* Zeroed, overflow-checked working memory for trainers. */
void *
pgml_train_alloc(Size count, Size elsize)
{
	if (count != 0 && elsize > MaxAllocHugeSize / count)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("training data is too large"),
				 errdetail("The model needs more than %zu bytes of working memory.",
						   (size_t) MaxAllocHugeSize)));
	return MemoryContextAllocExtended(CurrentMemoryContext,
									  Max(count * elsize, 1),
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* SPDX-License-Identifier: MIT */
/* stats.c - names and descriptions of the counters in stats.h. */
#include "stats.h"

const char *const stat_names[STAT_MAX] = {
#define STAT_NAME(name, desc) #name,
	STACK_STATS(STAT_NAME)
#undef STAT_NAME
};

const char *const stat_descs[STAT_MAX] = {
#define STAT_DESC(name, desc) desc,
	STACK_STATS(STAT_DESC)
#undef STAT_DESC
};

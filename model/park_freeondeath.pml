/* park_freeondeath.pml -- Broken: a dead durable registration is freed like any other, so what is
   appended while it is down is lost to it. SPIN must reject it; see README.md. */
#define FREE_ON_DEATH
#include "park.pml"

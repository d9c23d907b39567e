/* relay_claimonly.pml -- Broken: a restarted bridge trusts the last claim without its mark, so an append
   killed before it published counts as appended and is lost. SPIN must reject it. */
#define DECIDE_BY_CLAIM
#include "relay.pml"

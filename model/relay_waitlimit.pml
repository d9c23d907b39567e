/* relay_waitlimit.pml -- Broken: the bridge keeps its acknowledgement limit while it waits for room, which
   its own cursor holds: everyone waits for ever. SPIN must reject it. */
#define WAIT_WITH_LIMIT
#include "relay.pml"

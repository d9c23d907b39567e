/* relay_limitfirst.pml -- Broken: the bridge reads its acknowledgement limit before it reads on, so an
   append that begins between claims space its read then passes and acknowledges. SPIN must reject it. */
#define LIMIT_BEFORE_READ
#include "relay.pml"

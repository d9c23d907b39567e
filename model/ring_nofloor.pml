/* ring_nofloor.pml -- Broken: no writer floors; a stuck reader may skip a stale claim on a timeout.
   SPIN must reject it; see README.md. */
#define NOFLOOR
#include "ring.pml"

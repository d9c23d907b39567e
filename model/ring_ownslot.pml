/* ring_ownslot.pml -- Finding: repair scans only slots j != own, ignoring its own writer thread's floor.
   SPIN must reject it; see README.md. */
#define SPEC_OWN
#include "ring.pml"

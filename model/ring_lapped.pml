/* ring_lapped.pml -- Finding: repair CASes a mark of a NEWER lap (a lapped, evicted reader).
   SPIN must reject it; see README.md. */
#define SPEC_LAP
#include "ring.pml"

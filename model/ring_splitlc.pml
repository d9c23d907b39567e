/* ring_splitlc.pml -- Finding: slot word and lifecycle count changed in two steps.
   SPIN must reject it; see README.md. */
#define SPLIT_LC
#include "ring.pml"

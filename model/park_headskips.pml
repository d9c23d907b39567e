/* park_headskips.pml -- Broken: the head leaves out parked cursors, so writers lap a parked
   registration. SPIN must reject it; see README.md. */
#define HEAD_IGNORES_PARKED
#include "park.pml"

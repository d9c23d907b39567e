/* wakebits_masklast.pml -- Broken: a writer's wake mask keeps only the last reader it chose.
   SPIN must reject it; see README.md. */
#define MASK_LAST
#include "wakebits.pml"

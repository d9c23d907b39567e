/* wakebits_wakefirst.pml -- Broken: a writer calls futex_wake before it bumps the shared word.
   SPIN must reject it; see README.md. */
#define WAKE_THEN_BUMP
#include "wakebits.pml"

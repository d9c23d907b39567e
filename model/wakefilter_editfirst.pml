/* wakefilter_editfirst.pml -- Broken: a screen edit wakes the reader before the summary changes.
   SPIN must reject it; see README.md. */
#define EDIT_WAKE_FIRST
#include "wakefilter.pml"

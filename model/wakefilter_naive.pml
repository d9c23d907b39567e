/* wakefilter_naive.pml -- Broken: a writer wakes a reader iff the reader reads its record, without
   handing a screened record on. SPIN must reject it; see README.md. */
#define NAIVE
#include "wakefilter.pml"

/* ring_lease.pml -- Broken: liveness judged by a lease (a stopped owner may be judged dead).
   SPIN must reject it; see README.md. */
#define LEASE
#include "ring.pml"

/* lifecycle_broken.pml -- the old protocol without a name lock; SPIN must find the split. */
#define BROKEN
#include "lifecycle.pml"

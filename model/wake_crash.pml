/* wake_crash.pml -- a waker may crash; with no sleep cap a wake-up is lost. */
#define WAKER_CRASH
#include "wake.pml"

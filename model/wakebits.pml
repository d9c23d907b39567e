/*
 * wakebits.pml -- gathering the readers a writer wakes into one futex call
 * (see README.md "wakebits.pml").  No sleep cap: a sleeper in futex_wait
 * sleeps until a futex_wake whose bitset holds its bit.
 *
 * Every reader sleeps on one futex word of the header (wseq), with its own
 * bit; each has its own waitAt and armed flag in its slot.  Which readers a
 * writer chooses is wakefilter.pml's business; here every reader reads every
 * record, and the question is only whether one bump and one call for all the
 * chosen readers loses a wake-up.
 *
 *   reader i                                  writer of p
 *     s = wseq                                  pub[p] = 1 (mark)
 *     waiters += 1                              fence; if waiters != 0:
 *     waitAt[i] = c; armed[i] = 1 (fence)         for each reader i:
 *     if pub[c]: waiters -= 1, go on                if armed[i] && waitAt[i] == p && CAS(armed[i], 1, 0):
 *     futex_wait_bitset(wseq, s, bit i)                mask |= bit i
 *     waiters -= 1; go round                      if mask: wseq += 1; futex_wake_bitset(wseq, mask)
 *
 * Property: no reader is left asleep (an invalid end state) while the
 * record it waits for is published.
 *
 *   -DWAKE_THEN_BUMP  the writer calls futex_wake before bumping the word
 *   -DMASK_LAST       the writer keeps only the last reader it chose
 */

#ifndef NR
#define NR 2
#endif
#define N 2

bool pub[N];
byte c[NR];                /* reader i's cursor (its own memory) */
byte waitAt[NR];           /* reader i's slot */
bool armed[NR];            /* reader i's slot */
bool sleeping[NR];         /* reader i inside futex_wait, not yet woken */
byte wseq;                 /* the header's reader futex word */
byte waiters;              /* the message channel's count of sleepers */

proctype Reader(byte i)
{
  byte s;
  do
  :: c[i] == N -> break
  :: c[i] < N && pub[c[i]] -> c[i]++
  :: c[i] < N && !pub[c[i]] ->
     s = wseq;
     waiters++;
     atomic { waitAt[i] = c[i]; armed[i] = true };
     if
     :: pub[c[i]] -> waiters--
     :: else ->
        atomic { if :: wseq == s -> sleeping[i] = true :: else fi };
        !sleeping[i];                          /* no end label: stuck here is an error */
        waiters--
     fi
  od
}

inline WAKE(m) {
  atomic {
    j = 0;
    do
    :: j < NR -> if :: (m >> j) & 1 -> sleeping[j] = false :: else fi; j++
    :: else -> break
    od
  }
}

proctype Writer(byte p)
{
  byte i, j, mask;
  pub[p] = true;                               /* publish, then a full fence */
  if
  :: waiters != 0 ->
     i = 0;
     do
     :: i < NR ->
        atomic {
          if
          :: armed[i] && waitAt[i] == p ->
             armed[i] = false;                 /* CAS(armed, 1, 0) won */
#ifdef MASK_LAST
             mask = 1 << i
#else
             mask = mask | (1 << i)
#endif
          :: else
          fi
        };
        i++
     :: else -> break
     od;
     if
     :: mask != 0 ->
#ifdef WAKE_THEN_BUMP
        WAKE(mask);
        wseq++
#else
        wseq++;
        WAKE(mask)
#endif
     :: else
     fi
  :: else
  fi
}

init {
  atomic {
    byte k = 0;
    do
    :: k < NR -> run Reader(k); k++
    :: else -> break
    od;
    run Writer(0); run Writer(1)
  }
}

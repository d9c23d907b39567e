/*
 * wake.pml -- futex sleeper / waker protocol with the waiter count and the
 * armed flag (docs/design.md section 5), with NO sleep cap: a sleeper in
 * futex_wait sleeps until a futex_wake on its word.
 *
 *   sleeper                              waker
 *     s = seq                              make the change
 *     waiters += 1                         if waiters != 0 && armed == 1
 *     armed = 1                               && CAS(armed, 1, 0):
 *     if cond: waiters -= 1; done              seq += 1
 *     futex_wait(seq, s)                       futex_wake(seq, all)
 *     waiters -= 1; go round
 *
 * Two sleepers wait for different conditions on one channel (cnt >= 1 and
 * cnt >= 2); two wakers each make one change (cnt += 1).  Sleepers may
 * crash anywhere.  Stops need no extra modelling here: nobody holds a
 * lock, so a stopped process is just one that is not scheduled.
 *
 * Property (no lost wake-up): once every waker has finished, no live
 * sleeper whose condition holds is asleep in futex_wait.  The Judge checks
 * it; sleepers asleep with a false condition are valid end states.
 *
 *   -DWAKER_CRASH  waker 1 may crash at any step (waker 2 does not).
 *                  Without a sleep cap this loses a wake-up (wake_crash):
 *                  a waker that dies after its change and before its
 *                  futex_wake wakes nobody.  That is inherent to any
 *                  waker-does-the-wake scheme (-DNOARMED fails the same
 *                  way); the armed flag adds that waker 1 can die holding
 *                  the flag cleared, so later live wakers skip the wake
 *                  too.  The 10 ms sleep cap of the implementation is what
 *                  covers crashed wakers.
 *   -DNOARMED      the protocol without the armed flag.
 */
#define NS 2
#define NW 2

byte cnt;                  /* the condition state: number of changes made */
byte seq;                  /* futex word */
byte waiters;
bool armed;
bool sleeping[NS+1];       /* inside futex_wait, not yet woken */
bool salive[NS+1];
bool wdone[NW+1];
bool walive[NW+1];
byte need[NS+1];

#define COND(i) (cnt >= need[i])

proctype Sleeper(byte i)
{
  byte s;
  {
    do
    :: s = seq;
       waiters++;
       armed = true;
       if
       :: COND(i) -> waiters--; break
       :: else
       fi;
       /* futex_wait: returns at once if the word moved, else sleeps */
       atomic { if :: seq == s -> sleeping[i] = true :: else fi };
end_asleep:
       !sleeping[i];
       waiters--
    od
  } unless { !salive[i] }
}

proctype Waker(byte w)
{
  {
    cnt++;                                     /* the change (SC store) */
#ifdef NOARMED
    if
    :: waiters != 0 ->
#else
    if
    :: atomic { waiters != 0 && armed } ->
       atomic {
         if
         :: armed -> armed = false             /* CAS(armed, 1, 0) won */
         :: else -> goto done                  /* somebody else's call covers them */
         fi
       };
#endif
       seq++;
       atomic {                                /* futex_wake(all) */
         sleeping[1] = false; sleeping[2] = false
       }
    :: else
    fi;
done:
    wdone[w] = true
  } unless { !walive[w] }
}

active proctype Chaos()
{
  byte n;
end_chaos:
  do
  :: atomic { n < 1 && salive[1] -> n++; salive[1] = false; sleeping[1] = false }
  :: atomic { n < 1 && salive[2] -> n++; salive[2] = false; sleeping[2] = false }
#ifdef WAKER_CRASH
  :: atomic { n < 1 && walive[1] && !wdone[1] -> n++; walive[1] = false }
#endif
  od
}

proctype Judge()
{
  ((wdone[1] || !walive[1]) && (wdone[2] || !walive[2]));
  assert(!(salive[1] && sleeping[1] && COND(1)));
  assert(!(salive[2] && sleeping[2] && COND(2)))
}

init {
  atomic {
    need[1] = 1; need[2] = 2;
    salive[1] = true; salive[2] = true; walive[1] = true; walive[2] = true;
    run Sleeper(1); run Sleeper(2); run Waker(1); run Waker(2); run Judge()
  }
}

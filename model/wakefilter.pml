/*
 * wakefilter.pml -- waking only the readers that will read (the next step of
 * the wake protocol; see README.md "wakefilter.pml").  No sleep cap: a
 * sleeper in futex_wait sleeps until a futex_wake on its own word.  (In the
 * code all readers share one word, each with its own bit: wakebits.pml.)
 *
 * One reader R sleeps on a futex word of its own slot, after publishing the
 * position it waits at (waitAt) and arming (armed), then checking its
 * condition (the record at its cursor resolved).  Writers publish records
 * 0 .. N-1, one each, in any order.  Some records are screened by R (scr[],
 * known to writers through R's published screen summary).
 *
 *   reader R                               writer of p
 *     s = rseq                               pub[p] = 1 (mark)
 *     waiters += 1                           fence; if waiters != 0:
 *     waitAt = c; armed = 1 (fence)            q = p
 *     if pub[c]: waiters -= 1, go on           loop: if armed && waitAt == q:
 *     futex_wait(rseq, s)                        if R reads q: CAS(armed,1,0) -> rseq++, wake R; stop
 *     waiters -= 1; go round                     else CAS(waitAt, q, q+1) -> if pub[q+1]: q++; loop
 *
 * A screened record is handed on: the writer moves R's wait to the next
 * position instead of waking R (R's cursor stays; its next wake-up skips
 * the screened records in one go).  If the next record is already
 * published, its writer may have looked before the move and passed R by,
 * so the mover takes that record on too (Dekker between the move and the
 * next writer's publish).
 *
 * An editor thread of R's process may unscreen one record at any time:
 * it edits the summary, then wakes R's own word.
 *
 * Property: once every writer and the editor are done, R is not asleep
 * while some record at or after its cursor is one it reads (all records
 * are published by then).
 *
 *   -DNAIVE   a writer wakes R iff R reads its record, with no hand-on:
 *             R, asleep at a screened record whose writer passes it by,
 *             sleeps while a later record it reads is published.
 *   -DEDIT_WAKE_FIRST  the editor wakes R before editing the summary.
 */

#define N 3
#define NONE 255

bool pub[N];
bool scr[N];               /* R screens record p (its published summary) */
byte c;                    /* R's cursor (R's own memory) */
byte waitAt = NONE;        /* R's slot: the position it sleeps at */
bool armed;                /* R's slot: armed flag */
byte rseq;                 /* R's slot: futex word */
byte waiters;              /* the channel's count of sleepers */
bool sleeping;             /* R inside futex_wait, not yet woken */
bool wdone[N];
bool edone;
bool delivered[N];

proctype Reader()
{
  byte s;
  do
  :: c == N -> break
  :: c < N && pub[c] ->
     atomic { if :: !scr[c] -> delivered[c] = true :: else fi; c++ }
  :: c < N && !pub[c] ->
     s = rseq;
     waiters++;
     atomic { waitAt = c; armed = true };      /* volatile stores: a fence follows */
     if
     :: pub[c] -> waiters--                    /* resolved meanwhile: go on */
     :: else ->
        atomic { if :: rseq == s -> sleeping = true :: else fi };
end_asleep:
        !sleeping;
        waiters--
     fi
  od
}

inline WAKE_R() {
  atomic {
    if
    :: armed -> armed = false; rseq++; sleeping = false
    :: else                                    /* somebody else's wake covers it */
    fi
  }
}

proctype Writer(byte p)
{
  byte q;
  pub[p] = true;                               /* publish, then a full fence */
  if
  :: waiters != 0 ->
     q = p;
     do
     :: atomic { !(armed && waitAt == q) -> break }   /* R does not sleep at q */
     :: atomic { armed && waitAt == q && !scr[q] } -> WAKE_R(); break
#ifdef NAIVE
     :: atomic { armed && waitAt == q && scr[q] } -> break
#else
     :: atomic { armed && waitAt == q && scr[q] } ->
        atomic {                               /* CAS(waitAt, q, q + 1) */
          if
          :: waitAt == q -> waitAt = q + 1
          :: else -> goto done                 /* R re-armed, or another writer moved it */
          fi
        };
        if
        :: q + 1 < N && pub[q + 1] -> q++      /* its writer may have passed R by: take it on */
        :: else -> break
        fi
#endif
     od
  :: else
  fi;
done:
  wdone[p] = true
}

/* unscreens one record (or none), then wakes R's own word */
proctype Editor()
{
  byte q;
  if
  :: q = 0
  :: q = 1
  :: q = 2
  :: goto none
  fi;
#ifdef EDIT_WAKE_FIRST
  atomic { rseq++; sleeping = false };
  scr[q] = false;
#else
  scr[q] = false;                              /* the summary, then the wake */
  atomic { rseq++; sleeping = false };
#endif
none:
  edone = true
}

proctype Judge()
{
  byte q;
  (wdone[0] && wdone[1] && wdone[2] && edone);
  atomic {
    q = c;
    do
    :: q < N -> assert(!(sleeping && !scr[q])); q++
    :: else -> break
    od
  }
}

init {
  atomic {
    /* every screening pattern */
    if :: scr[0] = true :: skip fi;
    if :: scr[1] = true :: skip fi;
    if :: scr[2] = true :: skip fi;
    run Reader(); run Writer(0); run Writer(1); run Writer(2); run Editor(); run Judge()
  }
}

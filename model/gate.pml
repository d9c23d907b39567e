/*
 * gate.pml -- the delivery gate's state and window (see README.md "gate.pml",
 * design.md section 11): taken, ended and read without a lock.
 *
 *   state, one word: a code (0 never gated; s+1 held by slot s; -(s+1)
 *   ended; TAKING while a taker writes the window (start, end)) and the
 *   number of takes so far, so that a state seen twice is one window.
 *
 *   take(s, p), under the queue name's lock (a kernel lock: dropped when its
 *   holder dies):
 *                st = state; if code(st) > 0: done (someone holds it)
 *                state = (takes+1, TAKING)  -- also over a TAKING that a dead
 *                                              taker left
 *                start = p; end = HELD; state = (takes+1, s+1)
 *   free of slot s (its registration gone; read position r):
 *                if code(state) == s+1: end = r; CAS(state, (t, s+1), (t, -(s+1)))
 *   reader:      loop: st = state; if code(st) == 0 or TAKING: not gated, done
 *                      a = start; b = end; if state != st: again
 *                      use (slot |code|-1, window [a, b))
 *
 * The window values name who wrote them: slot s takes with start = START(s)
 * and ends with end = END(s), so a reader can check that the window it uses
 * is the one the slot it uses wrote.
 *
 * Either taker may die once, right after setting TAKING.
 *
 * Properties (assertions, and valid end states: no taker waits for ever):
 *  - a reader never uses one slot with a window another taker wrote;
 *  - a reader that finds the gate ended finds its end written (not HELD):
 *    else it would pass over, for ever, records the holder never read; one
 *    that finds it held finds end HELD, or the end of the free under way.
 *
 *   -DNO_REREAD    the reader does not read the state again (rejected)
 *   -DEND_AFTER    the free turns the state negative before writing end (rejected)
 *   -DNO_COUNT     the state has no count of takes: a slot that takes the gate
 *                  again, and is freed again, between the reader's two reads
 *                  of the state passes for the window it read first (rejected)
 *   -DNO_LOCK      the first design: takes by compare-and-set, without the
 *                  lock, waiting while another taker writes its window; a
 *                  taker that dies there leaves the next one waiting for ever
 *                  (rejected: invalid end state)
 */

#define TAKING  -100
#define HELD    99
#define START(s) (10 + (s))
#define END(s)   (20 + (s))

short code;              /* state's code ... */
byte ver;                /* ... and its count of takes: one word, so read and set together */
byte start;
byte end = 0;
byte takes[2];           /* ghost: how many times slot s took the gate */
byte nameLock;           /* the queue name's lock: 0 free, or 1 + its holder; the kernel drops it at death */
bool died;               /* at most one taker dies, after it set TAKING */

proctype Holder(byte s; byte rounds)
{
  short st;
  byte sv, nv;
  do
  :: rounds == 0 -> break
  :: rounds > 0 ->
     /* take */
#ifdef NO_LOCK
     /* the first design: no lock; a compare-and-set from "none" or "ended", and a wait while another
        taker writes its window */
     do
     :: atomic { st = code; sv = ver };
        if
        :: st > 0 -> goto next                   /* someone holds it: give up this round */
        :: st <= 0 && st != TAKING ->
           nv = sv + 1;
           atomic { if :: code == st && ver == sv -> code = TAKING; ver = nv; break :: else fi }
        :: st == TAKING -> (code != TAKING)      /* wait for the other taker */
        fi
     od;
#else
     atomic { nameLock == 0 -> nameLock = s + 1 };
     atomic { st = code; sv = ver };
     if
     :: st > 0 -> nameLock = 0; goto next        /* someone holds it: give up this round */
     :: else                                     /* none, ended, or TAKING left by a dead taker */
     fi;
#ifdef NO_COUNT
     nv = sv;
#else
     nv = sv + 1;
#endif
     atomic { code = TAKING; ver = nv };
#endif
     if
     :: !died -> died = true; nameLock = 0; goto dead   /* dies mid-take: the kernel drops its lock */
     :: true
     fi;
     start = START(s);
     end = HELD;
     code = s + 1;
     nameLock = 0;
     takes[s]++;
     /* held for a while, then the slot is freed */
#ifdef END_AFTER
     if
     :: code == s + 1 ->
        atomic { if :: code == s + 1 && ver == nv -> code = -(s + 1) :: else fi };
        end = END(s)
     :: else
     fi;
#else
     if
     :: code == s + 1 ->
        end = END(s);
        atomic { if :: code == s + 1 && ver == nv -> code = -(s + 1) :: else fi }
     :: else
     fi;
#endif
next:
     rounds--
  od;
dead:
  skip
}

proctype Reader(byte looks)
{
  short st, again;
  byte a, b, slot, sv, againv;
  do
  :: looks == 0 -> break
  :: looks > 0 ->
     do
     :: atomic { st = code; sv = ver };
        if
        :: st == 0 || st == TAKING -> break      /* not gated */
        :: else ->
           a = start;
           b = end;
#ifdef NO_REREAD
           again = st; againv = sv;
#else
           atomic { again = code; againv = ver };
#endif
           if
           :: again != st || againv != sv -> skip   /* a new window meanwhile: read it again */
           :: else ->
              slot = (st > 0 -> st - 1 : -st - 1);
              assert(a == START(slot));
              assert(b == END(slot) || (st > 0 && b == HELD));
              break
           fi
        fi
     od;
     looks--
  od
}

init {
  atomic {
    run Holder(0, 2);
    run Holder(1, 2);
    run Reader(3)
  }
}

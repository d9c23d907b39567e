/*
 * ring.pml -- the jsyncq broadcast ring: claim / write / publish / repair /
 * register / reclaim / evict, with crash and stop/resume of every process.
 *
 * Scope (defaults, override with -D on the spin command line):
 *   NP = 2 processes; process p (1..NP) registers one reader slot and runs a
 *   main thread (registers, reads, closes) and one writer thread (NMSG
 *   appends).  So: 2 readers, 2 writer threads, C = 4 granules, records of
 *   one granule, positions 0 .. NP*NMSG (the ring wraps).
 *   LATE: a third process that registers late (after a possible crash and
 *   reclaim), reads and closes; it exercises slot reuse and generations.
 *
 * Faults (process Chaos): at most MAXCRASH crashes, MAXSTOP stops (each
 * stop is later resumed, or ended by a crash of the stopped process) and
 * MAXEVICT evictions, each at any point between two steps of anyone.
 *
 * Switches for the broken variants (the check script uses them):
 *   -DLEASE      liveness judged by a lease: a try-lock also succeeds on a
 *                slot whose owner is merely stopped  (ring_lease.pml)
 *   -DNOFLOOR    floors ignored by the head computation and by repair; a
 *                stuck reader skips a stale claim "after a timeout", i.e.
 *                nondeterministically                 (ring_nofloor.pml)
 *   -DSPEC_OWN   repair scans slots j != own and so ignores the floor of
 *                its own process's writer thread, as the brief words it
 *                (ring_ownslot.pml; a finding, see README)
 *   -DSPEC_LAP   repair CASes any mark that is not a state of its own
 *                position, also a NEWER lap's mark (ring_lapped.pml; a
 *                finding, see README)
 *   -DSPLIT_LC   close / reclaim change the slot word and the lifecycle
 *                count in two steps, as the brief words it
 *                (ring_splitlc.pml; a finding, see README)
 */

#ifndef C
#define C 4              /* granules in the ring */
#endif
#ifndef NMSG
#define NMSG 3           /* appends per writer thread */
#endif
#ifndef NMSG2
#define NMSG2 NMSG       /* appends of the second writer thread */
#endif
#define MYN ((me == 1) -> NMSG : NMSG2)
#ifndef MAXCRASH
#define MAXCRASH 1
#endif
#ifndef MAXSTOP
#define MAXSTOP 1
#endif
#ifndef MAXEVICT
#define MAXEVICT 1
#endif

#define NP      2        /* processes with a reader and a writer */
#ifdef LATE
#define NPROC   3        /* + one late reader-only process */
#else
#define NPROC   2
#endif
#define NSLOT   2        /* reader slots (the HEADNOW macro below assumes 2) */
#define MAXPOS  (NP*NMSG + 1)

#define NONE    255

/* a stopped process takes no steps (and keeps its locks) */
#ifdef NOSTOPS
#define PROVIDED
#else
#define PROVIDED provided (!stopped[me])
#endif      /* "no position" (floor lanes, ghost cursors) */

/* slot word states */
#define FREE    0
#define ACTIVE  1
#define EVICTED 2

/* a mark is a position and a state; 0 = MK(0,0) is stale for every position */
#define PUB     1
#define SKIP    2
#define SKIPG   3
#define MK(p,s)        ((p)*4 + (s))
#define MPOS(m)        ((m) / 4)
#define MST(m)         ((m) % 4)
#define RESOLVED(m,g)  (MPOS(m) == (g) && MST(m) != 0)

/* ------------------------------------------------------------------ */
/* shared state                                                        */
byte tail, headCache, regEpoch, lifecycle;
byte marks[C];           /* marks[g % C]                                 */
byte ring[C];            /* ring[g % C] = position of the claim whose body is there */
byte wgen[NSLOT];        /* slot word = (wgen, wst)                      */
byte wst[NSLOT];
byte cursor[NSLOT];
byte floor[NSLOT];       /* one writer lane per registration             */
byte lock[NSLOT];        /* kernel lock: holder process id, 0 = free     */

/* process state (not shared memory: what the kernel knows) */
bool alive[NPROC+1];
bool stopped[NPROC+1];

/* ------------------------------------------------------------------ */
/* ghosts: only for assertions, never read by the protocol             */
byte owner[C];           /* claim position that currently owns granule g  */
byte cowner[MAXPOS];     /* process that claimed position p               */
bool published[MAXPOS];  /* a PUB mark was stored for p                   */
bool skipped[MAXPOS];    /* a repair stored p|SKIPG                       */
byte rc[NSLOT];          /* next position the slot's reader will read, NONE if not reading */
bool wdone[NPROC+1];     /* writer thread finished                         */
bool pdone[NPROC+1];     /* process finished (closed)                      */
byte myslot[NPROC+1];    /* registration handed from main to writer thread */
byte mygen[NPROC+1];

#define MIN(a,b)   (((a) < (b)) -> (a) : (b))
#define CUR(j)     ((wst[j] == ACTIVE) -> cursor[j] : NONE)
#ifdef NOFLOOR
#define FLO(j)     NONE
#else
#define FLO(j)     ((wst[j] != FREE) -> floor[j] : NONE)
#endif
/* what a rescan would compute right now (used only to let a writer that
   found no room sleep until retrying can make a difference)              */
#define HEADNOW    MIN(tail, MIN(MIN(CUR(0), FLO(0)), MIN(CUR(1), FLO(1))))
#define WRITERS_FINISHED ((wdone[1] || !alive[1]) && (wdone[2] || !alive[2]))
#define MINE(s,g)  (wgen[s] == (g) && wst[s] == ACTIVE)

#ifdef LEASE
/* lease: a holder that is stopped for longer than its lease looks dead */
#define LOOKS_DEAD(j) (lock[j] == 0 || stopped[lock[j]])
#else
#define LOOKS_DEAD(j) (lock[j] == 0)
#endif

/* ------------------------------------------------------------------ */
/* kernel try-lock: succeeds iff free or already held by the caller     */
inline TRYLOCK(j, ok) {
  atomic {
    if
    :: lock[j] == 0 || lock[j] == me -> lock[j] = me; ok = true
#ifdef LEASE
    :: lock[j] != 0 && lock[j] != me && stopped[lock[j]] ->
         lock[j] = me; ok = true            /* lease expired: judged dead */
#endif
    :: lock[j] != 0 && lock[j] != me -> ok = false
    fi
  }
}

/* change slot word (rg,rs) -> (rg+1, FREE) and take the registration off
   the lifecycle count; ok = whether the CAS won                          */
inline FREE_SLOT(j, rg, rs, ok) {
#ifdef SPLIT_LC
  atomic {
    if
    :: wgen[j] == rg && wst[j] == rs -> wgen[j] = rg + 1; wst[j] = FREE; ok = true
    :: else -> ok = false
    fi
  };
  if :: ok -> lifecycle-- :: else fi
#else
  atomic {
    if
    :: wgen[j] == rg && wst[j] == rs -> wgen[j] = rg + 1; wst[j] = FREE; lifecycle--; ok = true
    :: else -> ok = false
    fi
  }
#endif
}

/* reclaim slot j whose lock we already hold (its owner is dead) */
inline RECLAIM_LOCKED(j) {
  do
  :: atomic { rg = wgen[j]; rs = wst[j] };
     if
     :: rs == FREE -> break
     :: else ->
        floor[j] = NONE;
        FREE_SLOT(j, rg, rs, ok);
        if :: ok -> break :: else fi          /* lost to an evict: read again */
     fi
  od;
  atomic { if :: lock[j] == me -> lock[j] = 0 :: else fi; rg = 0; rs = 0; ok = 0 }
}

inline RECLAIM(j) {
  TRYLOCK(j, ok);
  if
  :: ok -> RECLAIM_LOCKED(j)
  :: else                                     /* owner alive: leave it */
  fi
}

/* head computation: min over tail, ACTIVE cursors and all floors of
   non-FREE slots; repeated if a registration happened meanwhile          */
inline RESCAN() {
  do
  :: atomic { e = regEpoch; m = tail; j = 0 };
     do
     :: j < NSLOT ->
        /* one slot's word, cursor and floor read as one step: reading
           them one after another only adds conservative outcomes */
        atomic {
          if :: wst[j] == ACTIVE && cursor[j] < m -> m = cursor[j] :: else fi;
#ifndef NOFLOOR
          if :: wst[j] != FREE && floor[j] < m -> m = floor[j] :: else fi;
#endif
          j++
        }
     :: else -> break
     od;
     if :: atomic { e == regEpoch -> e = 0; j = 0 }; break :: else fi
  od;
  atomic { if :: m > headCache -> headCache = m :: else fi; m = 0 }   /* CAS-max */
}

/* ------------------------------------------------------------------ */
/* registration: take a FREE slot under its kernel lock (reclaiming the
   dead on the way), then publish ACTIVE and start at the tail            */
inline REGISTER() {
  s = 0;
  do
  :: s == NSLOT -> s = 0                      /* none free yet: go round */
  :: s < NSLOT && wst[s] != FREE ->
     RECLAIM(s); s++                          /* a new registration first reclaims the dead */
  :: s < NSLOT && wst[s] == FREE ->
     /* try-lock, then re-read the word under the lock (one step: only the
        lock holder moves a FREE word, so nothing can slip in between) */
     atomic {
       TRYLOCK(s, ok);
       if
       :: ok && wst[s] == FREE -> break
       :: ok && wst[s] != FREE -> lock[s] = 0; s++
       :: !ok -> s++
       fi
     }
  od;
  atomic { ok = 0; floor[s] = NONE; cursor[s] = headCache };   /* slot still FREE: nobody reads these */
  atomic { g = wgen[s] + 1; wgen[s] = g; wst[s] = ACTIVE; lifecycle++ };
  regEpoch++;
  atomic { c = tail; cursor[s] = c; rc[s] = c; myslot[me] = s; mygen[me] = g }
}

/* repair of a hole at c (reader at c, c < tail, mark at c stale).
 * Step 1 (one atomic step, the reader loop's guard included): read T =
 * tail and scan the other slots' floor lanes; a floor at or below c means
 * a claim at or below c may be in flight: try-lock that slot -- success
 * means its owner is dead (remember to reclaim it and go on), failure
 * means it is alive (wait, do not skip).  Our own writer thread's floor
 * always counts as alive (its lock is ours, a try-lock would "succeed").
 * Doing the scan in one step is an abstraction: between the reads of two
 * slots only publishes (a floor goes NONE), stale floor stores (a writer
 * whose CAS will fail) and deaths can happen; each gives an outcome the
 * one-step scan also has, or a wait that ends at once.
 */
inline SCAN_SLOT(j) {
  f = NONE;
  if :: wst[j] != FREE -> f = floor[j] :: else fi;
#ifdef SPEC_OWN
  if :: j == s -> f = NONE :: else fi;        /* "scan slots j != own" */
#endif
#ifdef NOFLOOR
  f = NONE;                                   /* floors ignored */
#endif
  if
  :: blk != NONE                              /* already waiting on someone */
  :: blk == NONE && f != NONE && f <= c && j == s -> blk = j
  :: blk == NONE && f != NONE && f <= c && j != s ->
     TRYLOCK(j, ok);
     if :: ok -> dead = j :: else -> blk = j fi
  :: blk == NONE && f != NONE && f > c -> end = MIN(end, f)
  :: blk == NONE && f == NONE
  fi
}

inline REPAIR() {
  /* step 1 ran in the caller's guard: T, end, blk, dead are set */
  if
  :: dead != NONE -> j = dead; RECLAIM_LOCKED(j)   /* owner dead: reclaim it */
  :: else
  fi;
  if
  :: blk != NONE ->
     /* wait until the live writer publishes, moves its floor past c or
        dies (which frees its lock); keep no scratch values while asleep */
     atomic { j = 0; f = 0; end = 0; T = 0; ok = 0; dead = NONE };
     (RESOLVED(marks[c % C], c) || floor[blk] > c || LOOKS_DEAD(blk) || !MINE(s, g))
  :: else ->
#ifdef NOFLOOR
     if :: true :: true -> end = c fi;        /* timeout not yet expired: skip nothing */
#endif
     gg = c;
     do
     :: gg >= end -> break
     :: gg < end ->
        /* read the mark and CAS it from that stale value to gg|SKIPG (one
           step: a CAS from an older read would fail and read again) */
        atomic {
          if
          :: RESOLVED(marks[gg % C], gg) -> break     /* a record (or skip) of its own: stop */
#ifndef SPEC_LAP
          :: MPOS(marks[gg % C]) > gg -> break        /* a NEWER lap: we were lapped (so evicted);
                                                         never CAS over it */
#endif
          :: else ->
             /* (c) no live writer skipped */
             assert(!alive[cowner[gg]]);
             assert(!published[gg]);
             marks[gg % C] = MK(gg, SKIPG);
             skipped[gg] = true;
             gg++
          fi
        }
     od
  fi;
  atomic { j = 0; f = 0; blk = NONE; dead = NONE; end = 0; gg = 0; T = 0; ok = 0; rg = 0; rs = 0 }
}

/* ------------------------------------------------------------------ */
/* writer thread of process me                                          */
proctype Writer(byte me) PROVIDED
{
  byte s, g, k, t, h, m, e, j, rs, rg;
  bool ok;
  {
    atomic { myslot[me] != NONE -> s = myslot[me]; g = mygen[me] };
    k = 0;
    do
    :: atomic { k == MYN || !MINE(s, g) -> break }   /* done, or evicted: stop appending */
    :: atomic { k < MYN && MINE(s, g) -> skip };
claim:
       atomic { t = tail; h = headCache };         /* (a CAS on tail follows: reading the two
                                                      at once loses no behaviour) */
       if
       :: t + 1 > C + h ->                         /* no room by the cached head */
          RESCAN();
          if                                       /* reclaim dead registrations */
          :: wst[1-s] != FREE -> RECLAIM(1-s)
          :: else
          fi;
          RESCAN();
          h = headCache;
          if
          :: t + 1 > C + h ->
             floor[s] = NONE;                      /* no claim in flight */
             /* sleep until a retry can make a difference */
             (HEADNOW > h || tail != t || !MINE(s, g)
              || (wst[1-s] != FREE && LOOKS_DEAD(1-s)));
             if :: !MINE(s, g) -> break :: else fi
          :: else
          fi;
          goto claim
       :: else
       fi;
       floor[s] = t;                               /* release store, then CAS */
       atomic {
         if
         :: tail == t -> tail = t + 1; owner[t % C] = t; cowner[t] = me; h = 0
         :: else -> goto claim                     /* lost: next round stores the new t */
         fi
       };
       /* body: (a) the granule still belongs to our claim, and no reading
          ACTIVE reader is still behind its previous lap */
       atomic {
         assert(owner[t % C] == t);
         assert(!(wst[0] == ACTIVE && rc[0] != NONE && rc[0] + C <= t));
         assert(!(wst[1] == ACTIVE && rc[1] != NONE && rc[1] + C <= t));
         ring[t % C] = t
       };
       /* publish: plain release store */
       if
       :: atomic { MINE(s, g) ->                   /* still ours: the record */
            assert(!skipped[t]); published[t] = true; marks[t % C] = MK(t, PUB) }
       :: atomic { !MINE(s, g) ->                  /* evicted, did not notice */
            assert(!skipped[t]); published[t] = true; marks[t % C] = MK(t, PUB) }
#ifndef NOWSKIP
       :: marks[t % C] = MK(t, SKIP)               /* failed copy / noticed eviction */
#endif
       fi;
       atomic { floor[s] = NONE; k++; t = 0 }
    od;
    wdone[me] = true
  } unless { !alive[me] }
}

/* ------------------------------------------------------------------ */
/* main thread of process me: register, read, close                    */
proctype Proc(byte me) PROVIDED
{
  byte s, g, c, v, j, T, end, f, gg, m, e, rs, rg;
  byte blk = NONE, dead = NONE;
  bool ok;
  {
    REGISTER();
    do
    :: !MINE(s, g) -> break                        /* evicted: RegistrationLost */
    :: atomic { c == tail && WRITERS_FINISHED -> break }   /* everything consumed */
    :: atomic { marks[c % C] == MK(c, PUB) -> v = ring[c % C] }
       if
       :: atomic { MINE(s, g) ->                   /* still ours after the read */
            assert(v == c);                        /* (a)/(b): the record published at c */
            c++; rc[s] = c; v = 0;
            cursor[s] = c }                        /* (a store to a slot evicted just now is harmless) */
       :: else -> break                            /* evicted: discard the read */
       fi
    :: atomic { MPOS(marks[c % C]) == c && MST(marks[c % C]) >= SKIP ->
         assert(!published[c]);                    /* (b) never miss a published record */
         c++; rc[s] = c; cursor[s] = c }
#ifndef SPEC_LAP
    :: atomic { MPOS(marks[c % C]) > c ->          /* lapped: only possible once evicted */
         assert(!MINE(s, g)); break }
    :: atomic { c < tail && MPOS(marks[c % C]) <= c && !RESOLVED(marks[c % C], c) ->  /* stuck at a hole */
#else
    :: atomic { c < tail && !RESOLVED(marks[c % C], c) ->     /* stuck at a hole */
#endif
         T = tail; end = T; SCAN_SLOT(0); SCAN_SLOT(1) } ->
       REPAIR()
    od;
    rc[s] = NONE;
    (wdone[me] || me > NP);                        /* no append in progress */
    /* close: CAS our word (ACTIVE or EVICTED) to FREE, count down, unlock */
    do                                             /* retry: an evict may change the word under us */
    :: atomic { rg = wgen[s]; rs = wst[s] };
       if
       :: rg == g && rs != FREE -> FREE_SLOT(s, rg, rs, ok); if :: ok -> break :: else fi
       :: else -> assert(false)                    /* nobody may take a live registration */
       fi
    od;
    atomic { if :: lock[s] == me -> lock[s] = 0 :: else fi };
    pdone[me] = true
  } unless { !alive[me] }
}

/* ------------------------------------------------------------------ */
/* environment: crash, stop/resume, evict                              */
inline CRASH(p) {
  atomic {
    crashes < MAXCRASH && alive[p] && !pdone[p] ->
      crashes++; alive[p] = false; stopped[p] = false;
      /* death releases every kernel lock of p, atomically */
      if :: lock[0] == p -> lock[0] = 0 :: else fi;
      if :: lock[1] == p -> lock[1] = 0 :: else fi
  }
}
inline STOP(p)   { atomic { stops < MAXSTOP && alive[p] && !pdone[p] && !stopped[p] -> stops++; stopped[p] = true } }
inline RESUME(p) { atomic { stopped[p] -> stopped[p] = false } }
inline EVICT(i)  { atomic { evicts < MAXEVICT && wst[i] == ACTIVE -> evicts++; wst[i] = EVICTED } }

proctype Chaos()
{
  byte crashes, stops, evicts;
  do
  :: CRASH(1)
  :: CRASH(2)
  :: STOP(1)
  :: STOP(2)
  :: RESUME(1)
  :: RESUME(2)
#ifdef LATE
  :: CRASH(3)
  :: STOP(3)
  :: RESUME(3)
#endif
  :: EVICT(0)
  :: EVICT(1)
  :: atomic { !stopped[1] && !stopped[2] && !stopped[3 % (NPROC+1)] -> break }  /* stops are bounded */
  od
}

/* (e) at the end: the lifecycle count is the number of registrations not
   yet closed or reclaimed */
proctype Judge()
{
  ((pdone[1] || !alive[1]) && (pdone[2] || !alive[2])
#ifdef LATE
   && (pdone[3] || !alive[3])
#endif
  );
  assert(lifecycle == ((wst[0] != FREE) -> 1 : 0) + ((wst[1] != FREE) -> 1 : 0))
}

init {
  atomic {
    byte i;
    for (i : 0 .. C-1) { ring[i] = NONE; owner[i] = NONE }
    for (i : 0 .. NSLOT-1) { floor[i] = NONE; rc[i] = NONE }
    for (i : 1 .. NPROC) { alive[i] = true; myslot[i] = NONE }
    run Chaos();
    run Judge();
    run Proc(1); run Writer(1);
    run Proc(2); run Writer(2);
#ifdef LATE
    run Proc(3);
#endif
  }
}

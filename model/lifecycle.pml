/*
 * lifecycle.pml -- openOrCreate / close of a named queue under a per-name
 * kernel lock, with crashes of any process at any step and the "stalled
 * remover".  -DBROKEN models the old protocol (no name lock; an attacher
 * that keeps seeing REMOVED unlinks the name and creates a new file; a
 * closer unlinks by name after a stall) and SPIN must find the split.
 *
 * Abstraction: the name is a pointer to a file (inode id, 0 = absent).
 * Files have a lifecycle word (count + REMOVED bit).  A "registration" is
 * the count a process added; the ring-level slot is abstracted away
 * (ring.pml models it).  Each process does one openOrCreate then one close.
 */
#ifndef NPROC
#define NPROC 3
#endif
#define NFILE (NPROC + 2)

byte name;                 /* inode the name refers to, 0 = no such name */
byte nfiles;               /* inodes handed out (ids 1..nfiles)           */
byte count[NFILE];         /* lifecycle count per file                    */
bool removed[NFILE];       /* REMOVED bit per file                        */
byte namelock;             /* kernel lock on the lock file: holder or 0   */
bool alive[NPROC+1];

/* ghosts */
byte regfile[NPROC+1];     /* file p is registered on (counted in), 0 = none */
bool reclaimed[NPROC+1];   /* p's dead registration was taken off the count  */
byte crashes;

#ifndef MAXCRASH
#define MAXCRASH 1
#endif

/* live registrations of file f, and dead ones not yet reclaimed */
#define LIVEON(p,f)  (alive[p] && regfile[p] == (f))
#define DEADON(p,f)  (!alive[p] && regfile[p] == (f) && !reclaimed[p])
#define CNT(f) ((LIVEON(1,f) || DEADON(1,f) -> 1 : 0) + (LIVEON(2,f) || DEADON(2,f) -> 1 : 0) \
              + (LIVEON(3,f) || DEADON(3,f) -> 1 : 0))
#define LIVEANY(f) (LIVEON(1,f) || LIVEON(2,f) || LIVEON(3,f))

/* "no silent split": never two files with live registrations for one
   name (each opener believes it shares the queue with the others) */
#define LIVEFILES ((LIVEANY(1) -> 1 : 0) + (LIVEANY(2) -> 1 : 0) + (LIVEANY(3) -> 1 : 0) \
                 + (LIVEANY(4) -> 1 : 0))

inline LOCKNAME() { atomic { namelock == 0 -> namelock = me } }
inline UNLOCKNAME() { atomic { if :: namelock == me -> namelock = 0 :: else fi } }

proctype P(byte me)
{
  byte f, i;
  {
#ifndef BROKEN
    /* ---- openOrCreate, under the name lock ---- */
    LOCKNAME();
    f = name;
    if
    :: f != 0 && removed[f] ->
       /* its remover died between marking and unlinking: finish its job */
       name = 0; f = 0
    :: else
    fi;
    if
    :: f != 0 ->                                  /* attach */
       atomic { count[f]++; regfile[me] = f }
    :: else ->                                    /* create: counted before it is linked */
       atomic { nfiles++; f = nfiles; count[f] = 1; regfile[me] = f };
       name = f                                   /* link */
    fi;
    UNLOCKNAME();

    /* ... uses the queue ... */

    /* ---- close, under the name lock ---- */
    LOCKNAME();
    i = 1;                                        /* reclaim dead registrations of f */
    do
    :: i > NPROC -> break
    :: i <= NPROC ->
       atomic {
         if
         :: !alive[i] && regfile[i] == f && !reclaimed[i] ->
            count[f]--; reclaimed[i] = true        /* one CAS on the slot word + count */
         :: else
         fi;
         i++
       }
    od;
    atomic { count[f]--; regfile[me] = 0 };
    if
    :: count[f] == 0 ->
       removed[f] = true;                         /* mark ... */
       if :: name == f -> name = 0 :: else fi     /* ... and unlink (by this name lock) */
    :: else
    fi;
    UNLOCKNAME()
#else
    /* ---- the old protocol: no name lock ---- */
    f = name;
    if
    :: f != 0 ->
       do
       :: atomic { !removed[f] -> count[f]++; regfile[me] = f; break }   /* CAS fails if REMOVED */
       :: removed[f] ->
          /* kept seeing REMOVED "for 200 ms": unlink it (if the name still
             refers to it) and create a new queue */
          atomic { if :: name == f -> name = 0 :: else fi };
          atomic { nfiles++; f = nfiles; count[f] = 1; regfile[me] = f };
          name = f;                               /* rename over whatever is there */
          break
       od
    :: else ->
       atomic { nfiles++; f = nfiles; count[f] = 1; regfile[me] = f };
       name = f
    fi;
    atomic {                                      /* close: CAS count-1, REMOVED if 0 */
      count[f]--; regfile[me] = 0;
      if :: count[f] == 0 -> removed[f] = true :: else -> f = 0 fi
    };
    if
    :: f != 0 ->
       /* the remover stalls here; then unlinks by NAME */
       name = 0
    :: else
    fi
#endif
  } unless { !alive[me] }
}

active proctype Chaos()
{
  do
  :: atomic { crashes < MAXCRASH && alive[1] -> crashes++; alive[1] = false;
              if :: namelock == 1 -> namelock = 0 :: else fi }
  :: atomic { crashes < MAXCRASH && alive[2] -> crashes++; alive[2] = false;
              if :: namelock == 2 -> namelock = 0 :: else fi }
  :: atomic { crashes < MAXCRASH && alive[3] -> crashes++; alive[3] = false;
              if :: namelock == 3 -> namelock = 0 :: else fi }
  :: break
  od
}

/* safety monitor: no two files with live registrations for one name, and
   exact counts whenever the name lock is free */
active proctype Monitor()
{
  byte k;
  atomic {
    assert(LIVEFILES <= 1);
    k = 1;
    do
    :: k >= NFILE -> break
    :: k < NFILE ->
#ifndef BROKEN
       assert(namelock != 0 || count[k] == CNT(k));
#endif
       k++
    od
  }
}

init {
  atomic {
    alive[1] = true; alive[2] = true; alive[3] = true;
    run P(1); run P(2); run P(3)
  }
}

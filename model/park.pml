/*
 * park.pml -- durable registrations: a registration whose process dies is
 * parked (its cursor still holds space) instead of freed, and a later
 * process registering under its name resumes it from that cursor.
 *
 * Scope (override with -D):
 *   a writer process appends NMSG one-granule records to a ring of C
 *   granules, checking room against the head it scans (the cursors of
 *   ACTIVE, DURABLE and PARKED slots);
 *   the first incarnation of a durable reader (slot 0) registers, reads,
 *   and stores its cursor -- after each record, or later (a manual
 *   acknowledgement: it may read ahead of what it stores) -- and may crash
 *   at any step (Chaos);
 *   a reclaimer parks a DURABLE slot whose lock is free (its owner died);
 *   the second incarnation resumes the slot under its name: it waits while
 *   the first holds the slot's lock, parks the slot itself if its owner is
 *   dead and nobody parked it yet, then takes it (PARKED -> DURABLE, next
 *   generation) and reads from the stored cursor to the end.
 *   A plain (non-durable) reader in slot 1 reads alongside and closes.
 *
 * Properties:
 *   (a) the writer never writes a granule a counted reader has not read
 *       (no lap over a cursor of an ACTIVE, DURABLE or PARKED slot), and
 *       every record a reader delivers is the one published at its position;
 *   (b) nothing is lost across the crash: every position from the first
 *       incarnation's start is delivered by the first or the second;
 *   (c) the second incarnation never takes the slot while the first lives,
 *       and two parties never both change the slot word from one value.
 *
 * Broken variants (model/check expects SPIN to reject them):
 *   -DFREE_ON_DEATH    the reclaimer frees the durable slot, as for any
 *                      other dead registration               (b fails)
 *   -DHEAD_IGNORES_PARKED  the head leaves out parked cursors (a fails)
 */

#ifndef C
#define C 2
#endif
#ifndef NMSG
#define NMSG 4
#endif
#define NONE 255

#define FREE    0
#define ACTIVE  1
#define DURABLE 2
#define PARKED  3

byte tail;
byte marks[C];          /* position published in granule g % C, NONE if never */
byte ring[C];           /* ghost body: the position whose record is in the granule */
byte wst[2];            /* slot state */
byte wgen[2];
byte cursor[2];         /* stored cursor */
byte lock[2];           /* owner lock: holder id (1 = first, 2 = second, 3 = reclaimer, 4 = plain), 0 free */
bool alive1 = true;     /* the first incarnation lives */
bool done1, done2, done4, wdone;

/* ghosts */
bool delivered[NMSG];
byte start1 = NONE;     /* where the first incarnation started reading */
byte rc[2];             /* lowest position each slot's reader may still read, NONE if none */

#define COUNTS(j) (wst[j] == ACTIVE || wst[j] == DURABLE || wst[j] == PARKED)
#ifdef HEAD_IGNORES_PARKED
#define CUR(j) ((wst[j] == ACTIVE || wst[j] == DURABLE) -> cursor[j] : NONE)
#else
#define CUR(j) (COUNTS(j) -> cursor[j] : NONE)
#endif
#define MIN(a,b) (((a) < (b)) -> (a) : (b))
#define HEAD MIN(tail, MIN(CUR(0), CUR(1)))

inline TRYLOCK(j, who, ok) {
  atomic {
    if
    :: lock[j] == 0 -> lock[j] = who; ok = true
    :: else -> ok = false
    fi
  }
}

proctype Writer()
{
  byte t;
  do
  :: tail == NMSG -> break
  :: atomic { tail < NMSG && tail + 1 <= C + HEAD ->   /* room by a fresh scan (one step) */
       t = tail; tail++ }
     atomic {
       /* (a) no counted reader still has to read the record this granule held */
       assert(!(COUNTS(0) && rc[0] != NONE && rc[0] + C <= t));
       assert(!(COUNTS(1) && rc[1] != NONE && rc[1] + C <= t));
       ring[t % C] = t
     };
     marks[t % C] = t
  od;
  wdone = true
}

/* the first incarnation: register durable at the tail, read, store the
   cursor now or later; Chaos may kill it at any step */
proctype First()
{
  byte c, stored;
  {
    atomic { lock[0] = 1; cursor[0] = tail; c = tail; stored = c; start1 = c; rc[0] = c;
             wgen[0] = wgen[0] + 1; wst[0] = DURABLE };
    do
    :: atomic { c == NMSG -> break }
    :: atomic { c < NMSG && marks[c % C] == c -> assert(ring[c % C] == c); delivered[c] = true; c++ }
    :: atomic { stored < c -> stored = c; cursor[0] = c; rc[0] = c }   /* acknowledge (maybe late) */
    od;
    atomic { stored = c; cursor[0] = c; rc[0] = c };
    done1 = true                                /* stays registered: the second finds it in use */
  } unless { !alive1 }
}

/* a reclaimer (a writer short of room, a registering process, ...) */
proctype Reclaimer()
{
  bool ok;
  byte g;
  do
  :: atomic { wst[0] == DURABLE && lock[0] == 0 -> TRYLOCK(0, 3, ok) };
     if
     :: ok ->
        atomic { g = wgen[0] };
        atomic {
          if
          :: wst[0] == DURABLE && wgen[0] == g ->
#ifdef FREE_ON_DEATH
             wst[0] = FREE; wgen[0] = g + 1; rc[0] = NONE
#else
             wst[0] = PARKED                    /* cursor kept, still counted */
#endif
          :: else
          fi
        };
        lock[0] = 0
     :: else
     fi
  :: atomic { done2 -> break }
  od
}

/* the second incarnation: resume slot 0 by its name, read to the end */
proctype Second()
{
  byte c, g;
  bool inUse;
  (!alive1 || done1);                           /* started later, whether or not the first still lives */
  do
  :: atomic { lock[0] == 1 && alive1 -> inUse = true; break }   /* in use: refused (an exception) */
  :: atomic { (wst[0] == PARKED || wst[0] == DURABLE) && lock[0] == 0 -> lock[0] = 2 };
     /* (c) holding the lock: the first is dead (or it would hold it) */
     assert(!alive1);
     atomic { if :: wst[0] == DURABLE -> wst[0] = PARKED :: else fi };   /* park it first if nobody had */
     atomic { g = wgen[0] + 1; wgen[0] = g; wst[0] = DURABLE; c = cursor[0]; rc[0] = c; break }
  :: atomic { wst[0] == FREE && lock[0] == 0 ->  /* nothing to resume: a fresh registration at the tail */
       lock[0] = 2; c = tail; cursor[0] = c; rc[0] = c; wgen[0] = wgen[0] + 1; wst[0] = DURABLE; break }
  od;
  do
  :: atomic { inUse || c == NMSG -> break }
  :: atomic { !inUse && c < NMSG && marks[c % C] == c -> assert(ring[c % C] == c); delivered[c] = true; c++;
              cursor[0] = c; rc[0] = c }
  od;
  done2 = true
}

/* a plain reader in slot 1: it makes the writer scan two slots */
proctype Plain()
{
  byte c;
  atomic { lock[1] = 4; cursor[1] = tail; c = tail; rc[1] = c; wst[1] = ACTIVE };
  do
  :: atomic { c == NMSG -> break }
  :: atomic { c < NMSG && marks[c % C] == c -> assert(ring[c % C] == c); c++; cursor[1] = c; rc[1] = c }
  od;
  atomic { wst[1] = FREE; rc[1] = NONE; lock[1] = 0 };
  done4 = true
}

proctype Chaos()
{
  if
  :: atomic { alive1 && !done1 && start1 != NONE -> alive1 = false; if :: lock[0] == 1 -> lock[0] = 0 :: else fi }
  :: skip
  fi
}

proctype Judge()
{
  byte p;
  (done2 && done4 && wdone);
  /* (b) every position from the first incarnation's start was delivered */
  if
  :: start1 != NONE ->
     for (p : start1 .. NMSG - 1) { assert(delivered[p]) }
  :: else
  fi
}

init {
  atomic {
    byte i;
    for (i : 0 .. C - 1) { marks[i] = NONE; ring[i] = NONE }
    rc[0] = NONE; rc[1] = NONE;
    run Plain();
    run First();
    run Reclaimer();
    run Second();
    run Writer();
    run Chaos();
    run Judge()
  }
}

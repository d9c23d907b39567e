/*
 * relay.pml -- a bridge's appends survive its kill exactly once: the intent
 * noted around each append, the acknowledgement limit, and the decision a
 * restarted bridge takes from lastAppendBeforeResume.
 *
 * Scope (override with -D):
 *   a ring of C one-granule records; positions start at 1 (0 stands for
 *   "none"); a record at p lies in granule p % C and may be claimed only
 *   when every counted cursor has passed p - C;
 *   a local writer appends NW records; a local reader reads everything;
 *   the bridge is one durable registration with two threads:
 *     Inbound appends NIN frames, each between an intent (origin, the
 *     position P of its previous append) and its result, setting the
 *     acknowledgement limit to P for each attempt to claim and lifting it
 *     while it waits for room; the registration stores each claim's
 *     position (last claim) after the claim;
 *     Outbound reads the queue (skipping the bridge's own records) and
 *     acknowledges min(read position, limit), reading the limit after its
 *     read position; its acknowledged cursor is what the ring counts;
 *   the bridge may be killed at any step (both threads at once); later, at
 *   any point, its next process decides the open intent: the append went
 *   in iff the last claim is after P and its mark is its own position.
 *
 * Properties:
 *   (a) exactly once: frames the inbox stored as appended, plus the one the
 *       restart decides went in, equal the bridge's records that were
 *       published (a ghost count);
 *   (b) the decision reads the record it means: while an intent is open, the
 *       acknowledged cursor never passes the claim in progress, so no lap
 *       reuses its granule before the restart looks (asserted directly, and
 *       by (a) through the mark);
 *   (c) no wait for ever (SPIN's end states: every process blocked only at
 *       its end).
 *
 * Broken variants (model/check expects SPIN to reject them):
 *   -DLIMIT_BEFORE_READ   Outbound reads the limit before it reads on
 *                         (an append that begins between claims space the
 *                         read then passes): (b) fails
 *   -DWAIT_WITH_LIMIT     Inbound keeps the limit while it waits for room,
 *                         which its own cursor holds: (c) fails
 *   -DDECIDE_BY_CLAIM     the restart trusts the last claim without its mark
 *                         (a claim killed before it published): (a) fails
 */

#ifndef C
#define C 2
#endif
#ifndef NW
#define NW 2
#endif
#ifndef NIN
#define NIN 2
#endif
#define INF 255

byte tail = 1;           /* next position to claim */
byte marks[C];           /* the position last published in each granule */
bool own[C];             /* whether that record is the bridge's (its writer slot) */
byte readerCursor = 1;   /* the local reader's next position */
byte acked = 1;          /* the bridge's stored cursor (durable: it outlives a kill) */
byte limit = INF;        /* the acknowledgement limit (in the bridge's memory) */
byte lastClaim;          /* the durable slot's last claim, 0 if none */

/* the inbox (a file: it outlives a kill) */
byte newestPos;          /* P: the newest append's position, 0 if none */
bool intentOpen;
byte intentPrev;
byte storedFrames;       /* frames whose result was stored */

bool killed;
byte claimX;             /* ghost: the claim in progress, 0 if none */
byte publishedFrames;    /* ghost: the bridge's records published */
bool decided;

#define MIN(a, b) ((a) < (b) -> (a) : (b))
#define ROOM (tail < MIN(readerCursor, acked) + C)

proctype Writer() {
    byte n = 0;
    byte p;
    do
    :: n < NW ->
end_room:   /* a killed bridge's cursor may hold the ring until its next process: a valid place to stop */
        atomic { ROOM -> p = tail; tail++ };
        atomic { marks[p % C] = p; own[p % C] = false };
        n++
    :: else -> break
    od
}

proctype Reader() {
end_read:   /* after a kill, the frames that never came: a valid place to stop */
    do
    :: atomic { marks[readerCursor % C] == readerCursor -> readerCursor++ }
    :: atomic { readerCursor == NW + NIN + 1 -> break }
    od
}

proctype Inbound() {
    byte n = 0;
    byte p;
    {
        do
        :: n < NIN ->
            atomic { intentPrev = newestPos; intentOpen = true };
retry:
            limit = newestPos;
            if
            :: atomic { ROOM -> p = tail; tail++; claimX = p };
               lastClaim = p;
               atomic { marks[p % C] = p; own[p % C] = true; publishedFrames++ };
               atomic { storedFrames++; newestPos = p; intentOpen = false; claimX = 0 };
               limit = INF;
               n++
            :: atomic { !ROOM ->
#ifndef WAIT_WITH_LIMIT
                   limit = INF
#else
                   skip
#endif
               };
               ROOM;   /* wait for room */
               goto retry
            fi
        :: else -> break
        od
    } unless { killed }
}

proctype Outbound() {
    byte readPos = 1;
    byte l;
    {
        do
        :: (marks[readPos % C] == readPos || MIN(readPos, limit) > acked) ->
#ifdef LIMIT_BEFORE_READ
           l = limit;
#endif
           /* read on: every published record from here (the bridge's own are skipped, others relayed) */
           do
           :: marks[readPos % C] == readPos -> readPos++
           :: else -> break
           od;
#ifndef LIMIT_BEFORE_READ
           l = limit;
#endif
           atomic {
               if
               :: MIN(readPos, l) > acked -> acked = MIN(readPos, l)
               :: else -> skip
               fi;
               assert(!intentOpen || claimX == 0 || acked <= claimX)   /* (b) */
           }
        :: readPos == NW + NIN + 1 && acked == readPos && storedFrames == NIN -> break
        od
    } unless { killed }
}

/* The kill, at most once, at any step; then the next process's decision, at any later step. */
proctype Restart() {
    bool wentIn;
    if
    :: skip
    :: killed = true;
       atomic {
#ifndef DECIDE_BY_CLAIM
           wentIn = intentOpen && lastClaim > intentPrev && marks[lastClaim % C] == lastClaim;
#else
           wentIn = intentOpen && lastClaim > intentPrev;
#endif
           assert(storedFrames + wentIn == publishedFrames);   /* (a) */
           decided = true
       }
    fi
}

init {
    byte g;
    for (g : 0 .. C - 1) {
        marks[g] = 0
    }
    atomic {
        run Writer();
        run Reader();
        run Inbound();
        run Outbound();
        run Restart()
    }
}

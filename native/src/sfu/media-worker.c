/*
 * The media worker's thread (see media-worker.h): epoll over its UDP socket, an eventfd (stop)
 * and a timerfd (the router's 20 ms tick when the socket is quiet; see tick()), wake-ups against
 * polling, and the wake-ups of JavaScript. Datagrams are read and handled in
 * media-worker-recv.c, and what the router makes of them leaves in sendmmsg calls
 * (media-worker-send.c). Nothing is allocated per
 * packet: the receive slots, the output batch, the event log and the queue for JavaScript are
 * all made once, in tp_mw_open. JavaScript's calls into the worker are in media-worker-control.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "media-worker-internal.h"

const char *const tp_mw_counter_names[TP_MWC_COUNT] = {
  "datagramsIn",
  "datagramsOut",
  "recvBatches",
  "sendCalls",
  "controlIn",
  "rtpIn",
  "rtcpIn",
  "ticks",
  "wakes",
  "drop.queue-full",
  "drop.no-connection",
  "drop.no-keys",
  "drop.unprotect",
  "drop.malformed",
  "drop.out-no-connection",
  "drop.protect",
  "drop.out-batch-full",
  "drop.socket-error",
  "eventsLost",
  "gsoSends",
  "gsoSegments",
  "gsoRefused",
  "polls",
  "shed",
  "residence.sumUs",
  "residence.le50us",
  "residence.le100us",
  "residence.le200us",
  "residence.le500us",
  "residence.le1000us",
  "residence.le2000us",
  "residence.le5000us",
  "residence.le10000us",
  "residence.le20000us",
  "residence.le50000us",
  "residence.le100000us",
  "residence.inf",
};

const uint32_t tp_mw_residence_bounds_us[TP_MW_RESIDENCE_BOUNDS] = { 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000 };
_Static_assert(TP_MWC_COUNT == TP_MWC_RESIDENCE_FIRST + TP_MW_RESIDENCE_BOUNDS + 1, "one counter per residence bucket");


#define COUNT(w, c) ((w)->counters[(c)]++)


/* --- up to JavaScript -------------------------------------------------------------------------- */

/* One wake while JavaScript has not drained: it takes everything there is when it does. */
void tp_mw_maybe_wake(tp_media_worker *w) {
  w->counters[TP_MWC_EVENTS_LOST] = w->ev.lost;
  if (w->wake_pending || (w->qlen == 0 && w->ev.len == 0) || !w->wake) return;
  if (w->wake(w->wake_ctx) == 0) {
    w->wake_pending = 1;
    COUNT(w, TP_MWC_WAKES);
  }
}

/* Whether the events logged since the last look include one JavaScript should see now: routine
 * ones (RTCP for the estimator, sent-packet records, audio levels, layer figures) wait for its
 * next pull; the rest (a first packet, an SSRC bound, a keyframe, a layer switch, a PLI, RTP of
 * no up-stream) do not. */
static int urgent_events(tp_media_worker *w) {
  int urgent = 0;
  size_t at = w->ev_seen;
  while (at + 4 <= w->ev.len) {
    const uint8_t *h = w->ev.bytes + at; /* u16 type, u16 length, little-endian (router.c) */
    unsigned type = h[0] | (unsigned)h[1] << 8, len = h[2] | (unsigned)h[3] << 8;
    if (type != TP_EV_RTCP && type != TP_EV_TWCC_SENT && type != TP_EV_AUDIO && type != TP_EV_LAYER_STATS) urgent = 1;
    at += 4 + (size_t)len;
  }
  w->ev_seen = at;
  return urgent;
}

/*
 * Wake-ups against polling, chosen at every tick. A thread woken for each burst of packets pays
 * a wake-up per burst; many small rooms send thousands of bursts a second, none of them big. When
 * the socket woke the thread more often than once per `batch_us` in the last tick, the thread
 * polls instead: it sleeps `batch_us`, then takes everything that came (interrupt moderation, as
 * network cards do), adding at most `batch_us` of latency, only under load. It goes back to
 * wake-ups when half of its polls in a tick find nothing.
 */
static void choose_polling(tp_media_worker *w) {
  tp_mw_poll_state *p = &w->poll;
  if (w->batch_us == 0) {
    p->polling = 0;
  } else if (!p->polling) {
    p->polling = p->wakes > (uint32_t)(TP_MW_TICK_MS * 1000 / w->batch_us);
  } else {
    p->polling = p->polls > 0 && p->polls_with_data * 2 >= p->polls;
  }
  p->wakes = p->polls = p->polls_with_data = 0;
}

void tp_mw_arm_tick(tp_media_worker *w, uint32_t ms) {
  struct itimerspec next = { .it_interval = { 0, 0 }, .it_value = { ms / 1000, (long)(ms % 1000) * 1000000L } };
  if (timerfd_settime(w->tfd, 0, &next, NULL) == 0) w->ticking = ms > 0;
}

/* When the next tick is due: none without connections, later when no datagram came for a while. */
static uint32_t next_tick_ms(tp_media_worker *w) {
  uint64_t in = w->counters[TP_MWC_DATAGRAMS_IN];
  w->quiet_ticks = in == w->in_at_tick ? w->quiet_ticks + 1 : 0;
  w->in_at_tick = in;
  if (w->conns == 0) return 0;
  return w->quiet_ticks >= TP_MW_QUIET_TICKS ? TP_MW_QUIET_TICK_MS : TP_MW_NEXT_TICK_MS;
}

/*
 * The router's tick, every TP_MW_TICK_MS. While packets flow it runs on the thread's way out of
 * a socket wake-up or poll that comes that long after the last one, and the timer is pushed back
 * each time: a busy worker pays no wake-ups for its tick. The timer fires only on a quiet socket:
 * every 100 ms once nothing has come in for five ticks (rooms at rest; the first datagram brings
 * the 20 ms tick back on its way out), and not at all while the worker has no connections (a
 * server with no calls sleeps; the first connection arms it again).
 */
static void tick(tp_media_worker *w, uint64_t now) {
  w->last_tick_us = now;
  choose_polling(w);
  pthread_mutex_lock(&w->mu);
  tp_mw_arm_tick(w, next_tick_ms(w));
  COUNT(w, TP_MWC_TICKS);
  tp_router_tick(w->router, now, tp_mw_wall_ms(), &w->out, &w->ev);
  tp_mw_send_batch(w, &w->out);
  /* JavaScript pulls routine events on its own tick (tp_mw_drain), so a quiet room costs it no
   * wake-ups of the worker's: the worker wakes it for urgent events, a log a quarter full, or
   * when it has not pulled for TP_MW_PULL_MS (a JavaScript that does not pull at all). */
  if (urgent_events(w) || w->ev.len > w->ev.cap / 4 || (w->ev.len > 0 && now - w->last_drain_us > TP_MW_PULL_MS * 1000u)) tp_mw_maybe_wake(w);
  pthread_mutex_unlock(&w->mu);
}

static void tick_if_due(tp_media_worker *w) {
  uint64_t now = tp_mw_now_us();
  if (now - w->last_tick_us >= TP_MW_TICK_MS * 1000u) tick(w, now);
}

void *tp_mw_run(void *arg) {
  tp_media_worker *w = arg;
  /* Named, so top -H and perf tell it from the data plane's threads. */
  pthread_setname_np(pthread_self(), "turnpike-media");
  struct epoll_event ev[4];
  while (!atomic_load(&w->stopping)) {
    int polling = w->poll.polling;
    int n = epoll_wait(w->epfd, ev, 4, polling ? 0 : -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    int got = 0;
    for (int i = 0; i < n && !atomic_load(&w->stopping); i++) {
      if (ev[i].data.u32 == TP_MW_TAG_SOCKET) {
        got += tp_mw_on_socket(w);
        if (!polling) w->poll.wakes++;
      } else if (ev[i].data.u32 == TP_MW_TAG_TICK) {
        uint64_t expirations;
        if (read(w->tfd, &expirations, sizeof expirations) == sizeof expirations) tick(w, tp_mw_now_us());
      } else {
        uint64_t v;
        ssize_t r = read(w->evfd, &v, sizeof v);
        (void)r;
      }
    }
    if (got > 0) tick_if_due(w);
    if (polling) {
      w->poll.polls++;
      if (got > 0) w->poll.polls_with_data++;
      pthread_mutex_lock(&w->mu);
      COUNT(w, TP_MWC_POLLS);
      pthread_mutex_unlock(&w->mu);
      struct timespec pause = { 0, (long)w->batch_us * 1000L };
      nanosleep(&pause, NULL);
    }
  }
  return NULL;
}

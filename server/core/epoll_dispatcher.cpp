#include "core/epoll_dispatcher.h"

#include <QCoreApplication>
#include <QEvent>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTimerEvent>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <limits>

Q_LOGGING_CATEGORY(lcDispatcher, "tidings.server.dispatcher")

namespace tidings::server {

namespace {

constexpr int kMaxEvents = 256;
constexpr qint64 kNsPerMs = 1000 * 1000;

qint64 nowNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 * kNsPerMs + ts.tv_nsec;
}

quint64 pack(int fd, quint32 generation) {
    return (quint64(generation) << 32) | quint32(fd);
}

} // namespace

EpollDispatcher::EpollDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent) {
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m_epoll < 0 || m_wake < 0) {
        qCWarning(lcDispatcher) << "epoll unavailable:" << strerror(errno);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = std::numeric_limits<quint64>::max(); // no descriptor packs to this
    if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &ev) != 0) {
        qCWarning(lcDispatcher) << "epoll refused the wake-up descriptor:" << strerror(errno);
        close(m_wake);
        m_wake = -1;
    }
}

EpollDispatcher::~EpollDispatcher() {
    if (m_wake >= 0)
        close(m_wake);
    if (m_epoll >= 0)
        close(m_epoll);
}

// --- socket notifiers ---------------------------------------------------------------------

quint32 EpollDispatcher::wantedMask(const Watch &w) {
    return (w.read ? quint32(EPOLLIN) : 0) | (w.write ? quint32(EPOLLOUT) : 0) |
           (w.exception ? quint32(EPOLLPRI) : 0);
}

void EpollDispatcher::registerSocketNotifier(QSocketNotifier *notifier) {
    const int fd = int(notifier->socket());
    auto it = m_watches.find(fd);
    if (it == m_watches.end()) {
        it = m_watches.insert(fd, Watch{});
        it->generation = ++m_generation;
    }
    switch (notifier->type()) {
    case QSocketNotifier::Read:
        it->read = notifier;
        break;
    case QSocketNotifier::Write:
        it->write = notifier;
        break;
    case QSocketNotifier::Exception:
        it->exception = notifier;
        break;
    }
    changed(fd, *it);
}

void EpollDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier) {
    const int fd = int(notifier->socket());
    const auto it = m_watches.find(fd);
    if (it == m_watches.end())
        return;
    if (it->read == notifier)
        it->read = nullptr;
    if (it->write == notifier)
        it->write = nullptr;
    if (it->exception == notifier)
        it->exception = nullptr;
    if (wantedMask(*it) != 0) {
        changed(fd, *it);
        return;
    }
    // At once: the descriptor is still open now, and may be closed and its number handed to a
    // new socket before the next pass.
    if (it->kernelMask != 0 && epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr) != 0 &&
        errno != EBADF && errno != ENOENT)
        qCWarning(lcDispatcher) << "epoll_ctl DEL" << fd << strerror(errno);
    m_watches.erase(it);
}

void EpollDispatcher::changed(int fd, Watch &w) {
    if (!w.dirty && wantedMask(w) != w.kernelMask) {
        w.dirty = true;
        m_dirty.push_back(fd);
    }
}

void EpollDispatcher::applyChanges() {
    for (int fd : m_dirty) {
        const auto it = m_watches.find(fd);
        if (it == m_watches.end() || !it->dirty)
            continue;
        it->dirty = false;
        const quint32 wanted = wantedMask(*it);
        if (wanted == it->kernelMask)
            continue;
        epoll_event ev{};
        ev.events = wanted;
        ev.data.u64 = pack(fd, it->generation);
        int op = it->kernelMask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        int rc = epoll_ctl(m_epoll, op, fd, &ev);
        if (rc != 0 && (errno == ENOENT || errno == EEXIST)) {
            // The descriptor was closed and its number reused behind the notifier's back (the
            // kernel dropped the old registration), or the other way round.
            op = errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
            rc = epoll_ctl(m_epoll, op, fd, &ev);
        }
        if (rc != 0) {
            qCWarning(lcDispatcher)
                << "epoll_ctl" << (op == EPOLL_CTL_ADD ? "ADD" : "MOD") << fd << strerror(errno);
            continue;
        }
        it->kernelMask = wanted;
    }
    m_dirty.clear();
}

int EpollDispatcher::activateNotifiers(const void *raw, int count) {
    const auto *events = static_cast<const epoll_event *>(raw);
    int activated = 0;
    const auto fire = [&activated](QSocketNotifier *n) {
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(n, &event);
        ++activated;
    };
    for (int i = 0; i < count; ++i) {
        const quint64 key = events[i].data.u64;
        const quint32 revents = events[i].events;
        const int fd = int(quint32(key));
        const auto generation = quint32(key >> 32);
        // Looked up again before each activation: the one before may have removed the others
        // (a socket that closes on read drops its write notifier too).
        const auto current = [&](QSocketNotifier *Watch::*slot) -> QSocketNotifier * {
            const auto it = m_watches.constFind(fd);
            return it == m_watches.cend() || it->generation != generation ? nullptr : (*it).*slot;
        };
        // A hang-up or an error is reported whatever the mask: every notifier of the descriptor
        // hears of it (as with Qt's poll()), or a level-triggered report would spin.
        const quint32 broken = EPOLLHUP | EPOLLERR;
        if (revents & (EPOLLIN | broken))
            if (QSocketNotifier *n = current(&Watch::read))
                fire(n);
        if (revents & (EPOLLOUT | broken))
            if (QSocketNotifier *n = current(&Watch::write))
                fire(n);
        if (revents & (EPOLLPRI | broken))
            if (QSocketNotifier *n = current(&Watch::exception))
                fire(n);
    }
    return activated;
}

// --- timers ---------------------------------------------------------------------------------

void EpollDispatcher::arm(int id, Timer &t) {
    t.serial = ++m_serial;
    m_due.push(Due{t.deadlineNs, t.serial, id});
    // Restarted timers leave their old entries behind; rebuild once they outnumber the live ones.
    if (m_due.size() > 64 + 4 * std::size_t(m_timers.size())) {
        std::vector<Due> live;
        live.reserve(std::size_t(m_timers.size()));
        for (auto it = m_timers.cbegin(); it != m_timers.cend(); ++it)
            live.push_back(Due{it->deadlineNs, it->serial, it.key()});
        m_due = decltype(m_due)(std::greater<>(), std::move(live));
    }
}

void EpollDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                    QObject *object) {
    if (timerId < 1 || interval < 0 || !object)
        return;
    unregisterTimer(timerId);
    Timer t;
    t.object = object;
    t.intervalMs = interval;
    t.type = timerType;
    t.deadlineNs = nowNs() + interval * kNsPerMs;
    Timer &stored = *m_timers.insert(timerId, t);
    m_timersOf.insert(object, timerId);
    arm(timerId, stored);
}

bool EpollDispatcher::unregisterTimer(int timerId) {
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    m_timersOf.remove(it->object, timerId);
    m_timers.erase(it); // its heap entry goes stale and is skipped
    return true;
}

bool EpollDispatcher::unregisterTimers(QObject *object) {
    const QList<int> ids = m_timersOf.values(object);
    for (int id : ids)
        m_timers.remove(id);
    m_timersOf.remove(object);
    return !ids.isEmpty();
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollDispatcher::registeredTimers(QObject *object) const {
    QList<TimerInfo> out;
    for (auto it = m_timersOf.constFind(object); it != m_timersOf.cend() && it.key() == object;
         ++it) {
        const Timer &t = m_timers[it.value()];
        out.append(TimerInfo(it.value(), int(t.intervalMs), t.type));
    }
    return out;
}

int EpollDispatcher::remainingTime(int timerId) {
    const auto it = m_timers.constFind(timerId);
    if (it == m_timers.cend())
        return -1;
    const qint64 left = it->deadlineNs - nowNs();
    return left <= 0 ? 0 : int((left + kNsPerMs - 1) / kNsPerMs);
}

int EpollDispatcher::waitMs(bool wait) const {
    if (!wait)
        return 0;
    // Skip entries of stopped timers without popping (const); the next pass pops them.
    if (m_due.empty())
        return -1;
    const qint64 left = m_due.top().deadlineNs - nowNs();
    if (left <= 0)
        return 0;
    const qint64 ms = (left + kNsPerMs - 1) / kNsPerMs; // never wake before the deadline
    return int(std::min<qint64>(ms, std::numeric_limits<int>::max()));
}

int EpollDispatcher::activateTimers() {
    const qint64 now = nowNs();
    // Due at the start of this pass, in deadline order; each fires at most once per pass, so
    // a zero-interval timer cannot starve the sockets.
    std::vector<int> firing;
    while (!m_due.empty() && m_due.top().deadlineNs <= now) {
        const Due d = m_due.top();
        m_due.pop();
        const auto it = m_timers.constFind(d.id);
        if (it != m_timers.cend() && it->serial == d.serial) // else stopped or restarted since
            firing.push_back(d.id);
    }
    // Re-armed only now: a zero-interval timer is due again at once and would loop above.
    std::vector<std::pair<int, quint64>> armed; // id, the serial it fires under
    armed.reserve(firing.size());
    for (int id : firing) {
        Timer &t = m_timers[id];
        const qint64 step = t.intervalMs * kNsPerMs;
        t.deadlineNs += step;
        if (t.deadlineNs <= now) // fell behind (or zero): no burst to catch up
            t.deadlineNs = now + step;
        arm(id, t);
        armed.emplace_back(id, t.serial);
    }
    int fired = 0;
    for (const auto &[id, serial] : armed) {
        auto it = m_timers.find(id);
        // Skipped when stopped, restarted (its id may come back for a new timer at once) or
        // fired by a nested loop since, and while its own event runs.
        if (it == m_timers.end() || it->serial != serial || it->inEvent)
            continue;
        const bool counts = it->intervalMs > 0; // as Qt: zero timers do not count as work
        it->inEvent = true;
        QObject *object = it->object;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(object, &event);
        fired += counts ? 1 : 0;
        it = m_timers.find(id); // the event may have stopped, restarted or added timers
        if (it != m_timers.end() && it->object == object)
            it->inEvent = false;
    }
    return fired;
}

// --- the loop -------------------------------------------------------------------------------

void EpollDispatcher::wakeUp() {
    if (m_wakePending.exchange(true))
        return;
    const quint64 one = 1;
    while (write(m_wake, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

void EpollDispatcher::interrupt() {
    m_interrupted.store(true);
    wakeUp();
}

bool EpollDispatcher::consumeWakeUp() {
    // Read first, then clear: a wakeUp() in between sees the flag still set and writes nothing,
    // but its event is posted already and the caller sends posted events next.
    quint64 count = 0;
    while (read(m_wake, &count, sizeof count) < 0 && errno == EINTR) {
    }
    m_wakePending.store(false);
    return true;
}

bool EpollDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags) {
    m_interrupted.store(false);
    emit awake();
    // Woken since the last pass (an event posted, or an interrupt): this pass does not block.
    const bool woken = m_wakePending.load() && consumeWakeUp();
    QCoreApplication::sendPostedEvents();

    const bool timers = !flags.testFlag(QEventLoop::X11ExcludeTimers);
    const bool notifiers = !flags.testFlag(QEventLoop::ExcludeSocketNotifiers);
    const bool canWait =
        flags.testFlag(QEventLoop::WaitForMoreEvents) && !woken && !m_interrupted.load();
    if (canWait)
        emit aboutToBlock();
    if (m_interrupted.load())
        return false;

    applyChanges();
    const int timeout = timers ? waitMs(canWait) : (canWait ? -1 : 0);
    epoll_event events[kMaxEvents];
    int n = 0;
    if (notifiers) {
        n = epoll_wait(m_epoll, events, kMaxEvents, timeout);
    } else {
        // Ready sockets stay ready (level-triggered): wait for the wake-up and the timers only.
        pollfd wake{m_wake, POLLIN, 0};
        n = poll(&wake, 1, timeout);
        if (n > 0) {
            events[0].events = EPOLLIN;
            events[0].data.u64 = std::numeric_limits<quint64>::max();
        }
    }
    if (n < 0) {
        if (errno != EINTR)
            qCWarning(lcDispatcher) << "epoll_wait:" << strerror(errno);
        n = 0;
    }
    int handled = woken ? 1 : 0;
    bool posted = false;
    for (int i = 0; i < n; ++i) {
        if (events[i].data.u64 != std::numeric_limits<quint64>::max())
            continue;
        posted = consumeWakeUp();
        events[i] = events[n - 1];
        --n;
        break;
    }
    if (notifiers)
        handled += activateNotifiers(events, n);
    if (timers)
        handled += activateTimers();
    if (posted) {
        // What woke the wait is delivered in this pass, as GLib's dispatcher does: a caller of
        // processEvents(WaitForMoreEvents) expects the event it waited for to have arrived.
        QCoreApplication::sendPostedEvents();
        ++handled;
    }
    return handled > 0;
}

} // namespace tidings::server

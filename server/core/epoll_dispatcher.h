#pragma once
// An event dispatcher for the server's main thread on Linux, built on epoll instead of poll().
//
// Why: Qt's dispatchers (GLib's and the plain UNIX one) hand every registered socket to poll()
// on every pass of the event loop, so each pass costs the kernel one sock_poll()/tcp_poll() per
// connection. With 500 group members connected and a push for each of them per message, perf
// showed those two functions and GLib's bookkeeping as the biggest part of tidingsd's CPU while
// a 500-member group ran flat out (docs/PERFORMANCE.md). epoll keeps the interest list in the
// kernel and returns only what is ready: a pass costs what happened, not how many are connected.
//
// What it keeps of Qt's contract: posted events first, then ready socket notifiers, then due
// timers; a timer is not fired again while its own timer event runs (nested loops); wakeUp() and
// interrupt() from any thread; notifiers and timers from the owning thread only. Mask changes are
// applied just before epoll_wait, so the write notifier a socket enables for one write and
// disables after it costs no system call; removing a descriptor's last notifier is applied at
// once (the descriptor may be closed and its number reused right after).
#include <QAbstractEventDispatcher>
#include <QHash>
#include <QMultiHash>

#include <atomic>
#include <queue>
#include <vector>

namespace tidings::server {

class EpollDispatcher final : public QAbstractEventDispatcher {
    Q_OBJECT
public:
    explicit EpollDispatcher(QObject *parent = nullptr);
    ~EpollDispatcher() override;

    //! False when the kernel refused epoll or eventfd: use Qt's own dispatcher then.
    bool isValid() const { return m_epoll >= 0 && m_wake >= 0; }

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;
    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;
    void wakeUp() override;
    void interrupt() override;

private:
    struct Watch {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QSocketNotifier *exception = nullptr;
        quint32 generation = 0; //!< tells a stale epoll event from one for a reused number
        quint32 kernelMask = 0; //!< what epoll has now
        bool dirty = false;
    };
    struct Timer {
        QObject *object = nullptr;
        qint64 intervalMs = 0;
        qint64 deadlineNs = 0;
        quint64 serial = 0; //!< the heap entry that is current; older ones are skipped
        Qt::TimerType type = Qt::CoarseTimer;
        bool inEvent = false;
    };
    struct Due {
        qint64 deadlineNs;
        quint64 serial;
        int id;
        bool operator>(const Due &o) const {
            return deadlineNs != o.deadlineNs ? deadlineNs > o.deadlineNs : serial > o.serial;
        }
    };

    static quint32 wantedMask(const Watch &w);
    void changed(int fd, Watch &w);
    void applyChanges();
    int activateNotifiers(const void *events, int count);
    int activateTimers();
    void arm(int id, Timer &t);
    int waitMs(bool wait) const;
    bool consumeWakeUp();

    int m_epoll = -1;
    int m_wake = -1;
    std::atomic<bool> m_wakePending{false};
    std::atomic<bool> m_interrupted{false};
    quint32 m_generation = 0;
    QHash<int, Watch> m_watches; // by descriptor
    std::vector<int> m_dirty;
    QHash<int, Timer> m_timers; // by timer id
    QMultiHash<QObject *, int> m_timersOf;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> m_due;
    quint64 m_serial = 0;
};

} // namespace tidings::server

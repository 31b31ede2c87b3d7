// The epoll event dispatcher that tidingsd runs its main thread on: Qt's contract for timers,
// socket notifiers, posted events and wake-ups, and real sockets on top of it. The test's own
// main thread runs on it (installed before the application object, as tidingsd does).
#include "core/epoll_dispatcher.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>
#include <QTimer>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

using tidings::server::EpollDispatcher;

namespace {

struct SocketPair {
    int fd[2] = {-1, -1};
    SocketPair() { socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
    ~SocketPair() {
        for (int f : fd)
            if (f >= 0)
                close(f);
    }
};

//! Runs the loop until done() or the deadline; false on the deadline.
bool spin(const std::function<bool()> &done, int ms = 5000) {
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > ms)
            return false;
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

} // namespace

class TestEpollDispatcher : public QObject {
    Q_OBJECT
private slots:
    void installed() {
        QVERIFY(qobject_cast<EpollDispatcher *>(QAbstractEventDispatcher::instance()));
    }

    void timersFireInDeadlineOrderAndRepeat() {
        QStringList order;
        QTimer::singleShot(60, this, [&] { order << "60"; });
        QTimer::singleShot(10, this, [&] { order << "10"; });
        QTimer::singleShot(30, this, [&] { order << "30"; });
        int ticks = 0;
        QTimer repeat;
        repeat.setTimerType(Qt::PreciseTimer);
        connect(&repeat, &QTimer::timeout, this, [&] { ++ticks; });
        QElapsedTimer clock;
        clock.start();
        repeat.start(20);
        QVERIFY(spin([&] { return order.size() == 3 && ticks >= 3; }));
        QCOMPARE(order, (QStringList{"10", "30", "60"}));
        QVERIFY(clock.elapsed() >= 60); // never early: three ticks of 20 ms
        const int remaining = QAbstractEventDispatcher::instance()->remainingTime(repeat.timerId());
        QVERIFY(remaining >= 0 && remaining <= 20);
        const auto infos = QAbstractEventDispatcher::instance()->registeredTimers(&repeat);
        QCOMPARE(infos.size(), 1);
        QCOMPARE(infos.first().interval, 20);
        repeat.stop();
        QCOMPARE(QAbstractEventDispatcher::instance()->remainingTime(repeat.timerId()), -1);
    }

    void aTimerStoppedByAnotherInTheSamePassDoesNotFire() {
        QTimer first;
        QTimer second;
        first.setSingleShot(true);
        second.setSingleShot(true);
        bool secondFired = false;
        connect(&first, &QTimer::timeout, this, [&] { second.stop(); });
        connect(&second, &QTimer::timeout, this, [&] { secondFired = true; });
        first.start(5);
        second.start(6);
        QTest::qWait(1); // both due by the next pass
        usleep(20 * 1000);
        bool after = false;
        QTimer::singleShot(30, this, [&] { after = true; });
        QVERIFY(spin([&] { return after; }));
        QVERIFY(!secondFired);
    }

    void aTimerDoesNotFireAgainInsideItsOwnEvent() {
        QTimer t;
        int entered = 0;
        int nestedMax = 0;
        int depth = 0;
        connect(&t, &QTimer::timeout, this, [&] {
            ++entered;
            ++depth;
            nestedMax = std::max(nestedMax, depth);
            if (entered == 1) {
                QEventLoop nested;
                QTimer::singleShot(60, &nested, &QEventLoop::quit);
                nested.exec(); // t is due three times meanwhile
            }
            --depth;
        });
        t.start(10);
        QVERIFY(spin([&] { return entered >= 3; }));
        t.stop();
        QCOMPARE(nestedMax, 1);
    }

    void aTimerRestartedInTheSamePassWaitsItsNewInterval() {
        // Both due in one pass; the first restarts the second (often under the same id).
        QTimer first;
        QTimer second;
        first.setSingleShot(true);
        second.setSingleShot(true);
        QElapsedTimer clock;
        qint64 secondAt = -1;
        connect(&first, &QTimer::timeout, this, [&] { second.start(300); });
        connect(&second, &QTimer::timeout, this, [&] { secondAt = clock.elapsed(); });
        clock.start();
        first.start(5);
        second.start(6);
        usleep(20 * 1000);
        QVERIFY(spin([&] { return secondAt >= 0; }));
        QVERIFY2(secondAt >= 300, qPrintable(QString::number(secondAt)));
    }

    void excludingNotifiersDoesNotSpinOnAReadySocket() {
        SocketPair p;
        QSocketNotifier readable(p.fd[1], QSocketNotifier::Read);
        QVERIFY(write(p.fd[0], "x", 1) == 1);
        QTest::qWait(10); // in epoll's list, and ready
        int passes = 0;
        QElapsedTimer t;
        t.start();
        bool done = false;
        QTimer::singleShot(50, this, [&] { done = true; });
        while (!done && t.elapsed() < 2000) {
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents |
                                            QEventLoop::ExcludeSocketNotifiers);
            ++passes;
        }
        QVERIFY(done);
        QVERIFY2(passes < 20, qPrintable(QString::number(passes)));
    }

    void aHangUpReachesEveryNotifier() {
        SocketPair p;
        QSocketNotifier writable(p.fd[1], QSocketNotifier::Write);
        QSocketNotifier exception(p.fd[1], QSocketNotifier::Exception);
        int writes = 0;
        int exceptions = 0;
        connect(&writable, &QSocketNotifier::activated, this, [&] {
            ++writes;
            writable.setEnabled(false);
        });
        connect(&exception, &QSocketNotifier::activated, this, [&] {
            ++exceptions;
            exception.setEnabled(false); // else the hang-up is reported on every pass
        });
        QVERIFY(spin([&] { return writes == 1; }));
        close(p.fd[0]);
        p.fd[0] = -1;
        QVERIFY(spin([&] { return exceptions == 1; }));
    }

    void aNumberClosedAndReusedBehindANotifiersBackIsWatchedAgain() {
        // As libpq does while connecting: the notifier outlives its socket, the number comes
        // back for a new one, and only the mask changes.
        SocketPair p;
        QSocketNotifier readable(p.fd[1], QSocketNotifier::Read);
        QSocketNotifier writable(p.fd[1], QSocketNotifier::Write);
        writable.setEnabled(false);
        QTest::qWait(10);
        const int number = p.fd[1];
        close(p.fd[1]);
        int fds[2];
        QVERIFY(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
        QCOMPARE(fds[0], number);
        p.fd[1] = fds[0];
        const int peer = fds[1];
        int reads = 0;
        connect(&readable, &QSocketNotifier::activated, this, [&] {
            char buf[8];
            while (read(p.fd[1], buf, sizeof buf) > 0) {
            }
            ++reads;
        });
        int writes = 0;
        connect(&writable, &QSocketNotifier::activated, this, [&] {
            ++writes;
            writable.setEnabled(false);
        });
        writable.setEnabled(true); // a MOD the kernel no longer knows: added again
        QVERIFY(spin([&] { return writes == 1; }));
        QVERIFY(write(peer, "y", 1) == 1);
        QVERIFY(spin([&] { return reads == 1; }));
        close(peer);
    }

    void zeroTimersDoNotStarveSockets() {
        SocketPair p;
        QSocketNotifier readable(p.fd[1], QSocketNotifier::Read);
        int reads = 0;
        connect(&readable, &QSocketNotifier::activated, this, [&] {
            char buf[16];
            while (read(p.fd[1], buf, sizeof buf) > 0) {
            }
            ++reads;
        });
        int spins = 0;
        QTimer busy;
        connect(&busy, &QTimer::timeout, this, [&] { ++spins; });
        busy.start(0);
        QVERIFY(write(p.fd[0], "x", 1) == 1);
        QVERIFY(spin([&] { return reads == 1; }, 2000));
        QVERIFY(spins > 0);
    }

    void notifiersFollowEnableDisableAndDeletion() {
        SocketPair p;
        int reads = 0;
        int writes = 0;
        auto readable = std::make_unique<QSocketNotifier>(p.fd[1], QSocketNotifier::Read);
        QPointer<QSocketNotifier> writable = new QSocketNotifier(p.fd[1], QSocketNotifier::Write);
        connect(writable, &QSocketNotifier::activated, this, [&] { ++writes; });
        connect(readable.get(), &QSocketNotifier::activated, this, [&] {
            ++reads;
            char buf[64];
            while (read(p.fd[1], buf, sizeof buf) > 0) {
            }
            delete writable.data(); // the same descriptor's other notifier, mid-dispatch
        });
        // Writable at once; readable after the write. Both ready in the same pass.
        QVERIFY(write(p.fd[0], "hello", 5) == 5);
        QVERIFY(spin([&] { return reads == 1; }));
        QVERIFY(writable.isNull());
        const int writesBefore = writes;
        readable->setEnabled(false);
        QVERIFY(write(p.fd[0], "again", 5) == 5);
        QTest::qWait(50);
        QCOMPARE(reads, 1); // disabled: not told
        readable->setEnabled(true);
        QVERIFY(spin([&] { return reads == 2; }));
        QCOMPARE(writes, writesBefore);
    }

    void aReusedDescriptorNumberIsWatchedAfresh() {
        int reads = 0;
        int firstFd = -1;
        {
            SocketPair p;
            firstFd = p.fd[1];
            QSocketNotifier n(p.fd[1], QSocketNotifier::Read);
            QVERIFY(write(p.fd[0], "a", 1) == 1);
            QTest::qWait(10); // in epoll's list now, and ready; then gone with its socket
        }
        SocketPair q; // the lowest free numbers again
        QCOMPARE(q.fd[1], firstFd);
        QSocketNotifier n(q.fd[1], QSocketNotifier::Read);
        connect(&n, &QSocketNotifier::activated, this, [&] {
            char buf[8];
            while (read(q.fd[1], buf, sizeof buf) > 0) {
            }
            ++reads;
        });
        QTest::qWait(30);
        QCOMPARE(reads, 0); // nothing of the old socket's data
        QVERIFY(write(q.fd[0], "b", 1) == 1);
        QVERIFY(spin([&] { return reads == 1; }));
    }

    void postedEventsFromAnotherThreadWakeTheLoop() {
        // No timer and no socket is due: only the wake-up can end the wait.
        for (int round = 0; round < 20; ++round) {
            bool got = false;
            QElapsedTimer t;
            t.start();
            std::thread other([this, &got] {
                usleep(2000);
                QMetaObject::invokeMethod(
                    this, [&got] { got = true; }, Qt::QueuedConnection);
            });
            while (!got && t.elapsed() < 2000)
                QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
            other.join();
            QVERIFY(got);
            QVERIFY2(t.elapsed() < 500, qPrintable(QString::number(t.elapsed())));
        }
    }

    void interruptFromAnotherThreadEndsAWait() {
        std::atomic<bool> stop{false};
        std::thread other([&stop] {
            usleep(5000);
            stop.store(true);
            QAbstractEventDispatcher::instance(qApp->thread())->interrupt();
        });
        QElapsedTimer t;
        t.start();
        while (!stop.load() && t.elapsed() < 3000)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        other.join();
        QVERIFY(t.elapsed() < 1000);
    }

    void quitEndsAnEventLoop() {
        QEventLoop loop;
        QTimer::singleShot(5, &loop, [&loop] { loop.quit(); });
        QTimer::singleShot(3000, &loop, [&loop] { loop.exit(1); });
        QCOMPARE(loop.exec(), 0);
    }

    void tcpCarriesMegabytesBothWays() {
        // QAbstractSocket turns its write notifier on and off around every write.
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QByteArray echoed;
        connect(&server, &QTcpServer::newConnection, this, [&server] {
            QTcpSocket *s = server.nextPendingConnection();
            connect(s, &QTcpSocket::readyRead, s, [s] { s->write(s->readAll()); });
        });
        QTcpSocket client;
        connect(&client, &QTcpSocket::readyRead, this, [&] { echoed += client.readAll(); });
        client.connectToHost(QHostAddress::LocalHost, server.serverPort());
        QVERIFY(client.waitForConnected(2000) ||
                spin([&] { return client.state() == QAbstractSocket::ConnectedState; }));
        QByteArray sent;
        for (int i = 0; i < 64; ++i) {
            const QByteArray chunk(64 * 1024, char('a' + i % 26));
            sent += chunk;
            client.write(chunk);
        }
        QVERIFY(spin([&] { return echoed.size() >= sent.size(); }, 20000));
        QCOMPARE(echoed, sent);
    }
};

int main(int argc, char **argv) {
    auto *dispatcher = new EpollDispatcher;
    if (!dispatcher->isValid())
        return 1;
    QCoreApplication::setEventDispatcher(dispatcher);
    QCoreApplication app(argc, argv);
    TestEpollDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_epoll_dispatcher.moc"

// Argon2Hasher: hashes and verifies off the event loop, and a login (verify) goes ahead of the
// registrations (hash) already queued, so a burst of sign-ups cannot make sign-ins wait for all
// of them (issue 11: 40 registrations at once took a login from 0.17 s to 4.9 s).
#include "services/accounts/password_hasher.h"

#include <QTest>

using namespace tidings::server;

class TestPasswordHasher : public QObject {
    Q_OBJECT

private slots:
    void aHashVerifiesAndAWrongPasswordDoesNot() {
        Argon2Hasher hasher(true);
        QByteArray stored;
        hasher.hash("correct horse", [&](QByteArray h) { stored = h; });
        QTRY_VERIFY(!stored.isEmpty());
        QVERIFY(stored.startsWith("$argon2id$"));
        std::optional<bool> right, wrong, unknown;
        hasher.verify(stored, "correct horse", [&](bool ok) { right = ok; });
        hasher.verify(stored, "battery staple", [&](bool ok) { wrong = ok; });
        hasher.verify({}, "correct horse", [&](bool ok) { unknown = ok; });
        QTRY_VERIFY(right && wrong && unknown);
        QVERIFY(*right);
        QVERIFY(!*wrong);
        QVERIFY(!*unknown);
    }

    void aLoginOvertakesQueuedRegistrations() {
        // The real ("interactive") cost, so that each hash takes long enough for the queue to
        // exist: at the cheap test cost every hash was done before the login was queued (ASan).
        Argon2Hasher hasher(false);
        QByteArray stored;
        hasher.hash("pw", [&](QByteArray h) { stored = h; });
        QTRY_VERIFY(!stored.isEmpty());

        QStringList finished;
        constexpr int kRegistrations = 8;
        for (int i = 0; i < kRegistrations; ++i)
            hasher.hash("pw" + QByteArray::number(i),
                        [&finished](QByteArray) { finished << QStringLiteral("hash"); });
        hasher.verify(stored, "pw", [&finished](bool) { finished << QStringLiteral("verify"); });
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), kRegistrations + 1, 120000);
        // Two threads: at most the two hashes that were running, and one more that a thread
        // picked up in the same instant, can finish before the login.
        const int at = int(finished.indexOf(QStringLiteral("verify")));
        QVERIFY2(at <= 3, qPrintable(QStringLiteral("the login finished as %1 of %2")
                                         .arg(at + 1)
                                         .arg(kRegistrations + 1)));
    }

    // The queue is bounded: with as many hashes waiting or running as it holds, saturated()
    // tells the account service to answer RATE_LIMITED instead of queueing one more; it frees up
    // as answers come back.
    void theQueueIsBounded() {
        Argon2Hasher hasher(true, 3);
        QVERIFY(!hasher.saturated());
        int answered = 0;
        for (int i = 0; i < 3; ++i)
            hasher.hash("pw" + QByteArray::number(i), [&answered](QByteArray) { ++answered; });
        QCOMPARE(hasher.pending(), 3);
        QVERIFY(hasher.saturated());
        QTRY_COMPARE(answered, 3);
        QCOMPARE(hasher.pending(), 0);
        QVERIFY(!hasher.saturated());
        bool verified = false;
        hasher.verify({}, "pw", [&verified](bool) { verified = true; });
        QCOMPARE(hasher.pending(), 1);
        QTRY_VERIFY(verified);
        QCOMPARE(hasher.pending(), 0);
    }

    void shuttingDownDropsQueuedHashes() {
        // SIGTERM with hundreds of registrations queued (a load run cut short) waited for every
        // one of them: tidingsd took minutes to exit. Only the running ones are waited for.
        QElapsedTimer one;
        one.start();
        {
            Argon2Hasher hasher(false);
            bool done = false;
            hasher.hash("pw", [&done](QByteArray) { done = true; });
            QTRY_VERIFY_WITH_TIMEOUT(done, 60000);
        }
        const qint64 perHash = std::max<qint64>(1, one.elapsed());
        constexpr int kQueued = 40;
        int finished = 0;
        QElapsedTimer t;
        {
            Argon2Hasher hasher(false);
            for (int i = 0; i < kQueued; ++i)
                hasher.hash("pw" + QByteArray::number(i), [&finished](QByteArray) { ++finished; });
            t.start();
        }
        // Two running hashes at most (plus slack for a loaded machine), not forty.
        QVERIFY2(t.elapsed() < 6 * perHash + 500,
                 qPrintable(
                     QStringLiteral("%1 ms against %2 ms per hash").arg(t.elapsed()).arg(perHash)));
        QCOMPARE(finished, 0); // nothing calls back into a destroyed hasher's users
    }
};

QTEST_GUILESS_MAIN(TestPasswordHasher)
#include "test_password_hasher.moc"

// End-to-end encryption through the real client core against the real server: 1:1 messages are
// encrypted per device and the server database holds none of the plaintexts; a device linked
// mid-conversation is picked up after STALE_DEVICES; a revoked device gets no envelope; a message
// damaged on the server is reported undecryptable and re-sent by the sender's device.
#include "e2e_device.h"
#include "support/integration_fixture.h"

#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;
using namespace Qt::Literals::StringLiterals;

class TestE2eClient : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<E2eDevice> device(const QString &name, bool registering) {
        auto d = std::make_unique<E2eDevice>();
        if (!d->open(m_dir.filePath(QStringLiteral("d%1.sqlite").arg(++m_n))))
            return nullptr;
        if (!d->account(m_fx.url(), name, registering))
            return nullptr;
        return d;
    }
    QString sql(const QString &q) { return m_fx.sqlColumn(q).join(QLatin1Char(',')); }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void oneToOneIsEncryptedAndTheServerHoldsNoPlaintext() {
        auto alice = device("alice", true);
        auto bob = device("bob", true);
        QVERIFY(alice && bob);
        QTRY_VERIFY_WITH_TIMEOUT(alice->ready && bob->ready, 20000);

        const quint64 conv = alice->openDirect("bob");
        QVERIFY(conv != 0);
        const auto stored = alice->store->conversations().conversation(conv);
        QVERIFY(stored && stored->has_value());
        QCOMPARE((*stored)->peerUserId, bob->userId());
        const QStringList fromAlice = {"the eagle lands at midnight", "bring the blue folder",
                                       "Grüße aus München"};
        for (const QString &t : fromAlice) {
            QVERIFY(alice->client->messaging().sendText(conv, t).ok());
            const auto again = alice->store->conversations().conversation(conv);
            QCOMPARE((*again)->peerUserId, bob->userId());
        }
        QTRY_VERIFY_WITH_TIMEOUT(bob->received.size() == 3, 20000);
        for (int i = 0; i < 3; ++i) // in order, decrypted
            QCOMPARE(bob->received[i].text, fromAlice[i]);
        QVERIFY(bob->client->messaging().sendText(conv, "copy that, orchid protocol").ok());
        QTRY_VERIFY_WITH_TIMEOUT(alice->hasText("copy that, orchid protocol"), 20000);

        // Every send was encrypted: one envelope per device, no common payload in a 1:1.
        QCOMPARE(sql(u"SELECT count(*) FROM messages WHERE conversation_id = %1"_s.arg(conv) +
                     " AND length(payload) > 0"),
                 QStringLiteral("0"));
        QCOMPARE(sql(u"SELECT count(*) FROM envelopes WHERE conversation_id = %1"_s.arg(conv)),
                 QStringLiteral("4"));

        const QString dump = dumpDatabase(m_fx.pg(), m_fx.conninfo());
        QVERIFY(dump.contains(QStringLiteral("== envelopes")));
        for (const QString &t : fromAlice + QStringList{"copy that, orchid protocol"}) {
            QVERIFY2(!dumpContains(dump, t), qPrintable(t));
            // Not even a word of it.
            for (const QString &word : t.split(u' '))
                if (word.size() >= 6)
                    QVERIFY2(!dumpContains(dump, word), qPrintable(word));
        }
    }

    void linkedDeviceIsPickedUpAndRevokedDeviceDropped() {
        auto carol = device("carol", true);
        auto dave = device("dave", true);
        QVERIFY(carol && dave);
        QTRY_VERIFY_WITH_TIMEOUT(carol->ready && dave->ready, 20000);
        const quint64 conv = carol->openDirect("dave");
        QVERIFY(carol->client->messaging().sendText(conv, "before the laptop").ok());
        QTRY_VERIFY_WITH_TIMEOUT(dave->hasText("before the laptop"), 20000);

        // Dave's second device logs in: without linking it holds no account key and is in no
        // signed list, so nobody encrypts for it.
        auto dave2 = device("dave", false);
        QVERIFY(dave2);
        QVERIFY(!dave2->client->keys().hasAccountKey());
        bool linkedOld = false, linkedNew = false;
        dave->client->devices().createLinkCode(
            [&](Result<QString> code) {
                QVERIFY(code.ok());
                dave2->client->devices().linkDevice(*code, [&](Status s) {
                    QVERIFY2(s.ok(), qPrintable(s.ok() ? QString() : s.error().toString()));
                    linkedNew = true;
                });
            },
            [&](Status s) { linkedOld = s.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(linkedOld && linkedNew, 20000);
        QVERIFY(dave2->client->keys().hasAccountKey());
        QTRY_VERIFY_WITH_TIMEOUT(dave2->ready, 20000);

        // Carol's idea of dave's devices is stale: the server says so, her client fetches the
        // signed list, sets up a session with the new device and resends under the same id.
        auto id = carol->client->messaging().sendText(conv, "after the laptop");
        QVERIFY(id.ok());
        QTRY_VERIFY_WITH_TIMEOUT(dave->hasText("after the laptop"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(dave2->hasText("after the laptop"), 20000);
        QVERIFY(!dave2->hasText("before the laptop")); // no history for a new device
        QCOMPARE(sql(u"SELECT count(*) FROM messages WHERE client_message_id = '%1'"_s.arg(*id)),
                 QStringLiteral("1"));

        // Sent from dave2: carol and dave's other device read it.
        QVERIFY(dave2->client->messaging().sendText(conv, "typed on the laptop").ok());
        QTRY_VERIFY_WITH_TIMEOUT(carol->hasText("typed on the laptop"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(dave->hasText("typed on the laptop"), 20000);

        // Dave logs the laptop out: it is no longer current, and nothing is encrypted for it.
        const quint64 laptop = dave2->deviceId();
        bool revoked = false;
        dave->client->devices().revoke(laptop, [&](Status s) { revoked = s.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(revoked, 10000);
        // Nothing can reach the laptop any more: the server refuses its token (and cut off its
        // connection when it was revoked, as test_multidevice shows).
        QCOMPARE(sql(u"SELECT revoked_at IS NOT NULL FROM devices WHERE id = %1"_s.arg(laptop)),
                 QStringLiteral("t"));
        auto after = carol->client->messaging().sendText(conv, "laptop gone");
        QVERIFY(after.ok());
        QTRY_VERIFY_WITH_TIMEOUT(dave->hasText("laptop gone"), 20000);
        QCOMPARE(sql(u"SELECT count(*) FROM envelopes e JOIN messages m USING (conversation_id, "
                     "seq) WHERE m.client_message_id = '%1' AND e.device_id = %2"_s.arg(*after)
                         .arg(laptop)),
                 QStringLiteral("0"));
        QVERIFY(!dave2->hasText("laptop gone"));
    }

    void damagedMessageIsReportedAndResent() {
        auto erin = device("erin", true);
        auto frank = device("frank", true);
        QVERIFY(erin && frank);
        QTRY_VERIFY_WITH_TIMEOUT(erin->ready && frank->ready, 20000);
        const quint64 conv = erin->openDirect("frank");
        QVERIFY(erin->client->messaging().sendText(conv, "warm up").ok());
        QTRY_VERIFY_WITH_TIMEOUT(frank->hasText("warm up"), 20000);

        frank->client->stop();
        QVERIFY(erin->client->messaging().sendText(conv, "fragile words").ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            sql(u"SELECT count(*) FROM envelopes WHERE conversation_id = %1"_s.arg(conv)),
            QStringLiteral("2"), 10000);
        // The server (or the network) damages frank's ciphertext of the second message.
        const QString seq =
            sql(u"SELECT max(seq) FROM envelopes WHERE conversation_id = %1"_s.arg(conv));
        sql(u"UPDATE envelopes SET payload = set_byte(payload, length(payload) - 20, "
            "get_byte(payload, length(payload) - 20) # 1) WHERE conversation_id = %1 AND seq = %2"_s
                .arg(conv)
                .arg(seq));
        QVERIFY(frank->client->start().ok());
        // Never dropped silently: stored as undecryptable in order, then filled in by erin's
        // device after frank's device asked for it again.
        QTRY_VERIFY_WITH_TIMEOUT(frank->stored(conv, seq.toULongLong()).has_value(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(frank->stored(conv, seq.toULongLong())->text,
                                  QStringLiteral("fragile words"), 20000);
        QVERIFY(!frank->stored(conv, seq.toULongLong())->undecryptable);
        // And the conversation goes on.
        QVERIFY(erin->client->messaging().sendText(conv, "still there?").ok());
        QTRY_VERIFY_WITH_TIMEOUT(frank->hasText("still there?"), 20000);
    }

    void safetyNumbersMatchAndVerificationSticks() {
        auto gina = device("gina", true);
        auto hank = device("hank", true);
        QVERIFY(gina && hank);
        QTRY_VERIFY_WITH_TIMEOUT(gina->ready && hank->ready, 20000);
        std::optional<client::SafetyNumberInfo> g, h;
        gina->client->keys().safetyNumber("hank", [&](Result<client::SafetyNumberInfo> r) {
            QVERIFY(r.ok());
            g = *r;
        });
        hank->client->keys().safetyNumber("gina", [&](Result<client::SafetyNumberInfo> r) {
            QVERIFY(r.ok());
            h = *r;
        });
        QTRY_VERIFY_WITH_TIMEOUT(g && h, 10000);
        QCOMPARE(g->digits, h->digits);
        QCOMPARE(QString(g->digits).remove(u' ').size(), 60);
        QVERIFY(!g->verified);
        bool marked = false;
        gina->client->keys().setVerified("hank", true, [&](Status s) { marked = s.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(marked, 10000);
        g.reset();
        gina->client->keys().safetyNumber("hank",
                                          [&](Result<client::SafetyNumberInfo> r) { g = *r; });
        QTRY_VERIFY_WITH_TIMEOUT(g.has_value(), 10000);
        QVERIFY(g->verified);
        QVERIFY(!g->identityChanged);
    }
};

QTEST_GUILESS_MAIN(TestE2eClient)
#include "test_e2e_client.moc"

// Groups with Sender Keys through the real client core and server: every member decrypts, the
// remaining senders rotate after a removal (a new distribution goes out, the removed member gets
// nothing), and a 500-member group costs one ciphertext per message once the one-off
// distributions went out.
#include "e2e_device.h"
#include "support/e2e_keys.h"
#include "support/integration_fixture.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using namespace tidings;
using namespace tidings::test;
using namespace Qt::Literals::StringLiterals;

class TestE2eGroupsClient : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;
    QTemporaryDir m_dir;
    int m_n = 0;

    std::unique_ptr<E2eDevice>
    device(const QString &name, const client::Client::Options &o = E2eDevice::defaultOptions()) {
        auto d = std::make_unique<E2eDevice>();
        if (!d->open(m_dir.filePath(QStringLiteral("d%1.sqlite").arg(++m_n)), o))
            return nullptr;
        if (!d->account(m_fx.url(), name, true))
            return nullptr;
        return d;
    }
    QString sql(const QString &q) { return m_fx.sqlColumn(q).join(QLatin1Char(',')); }
    quint64 seqOf(const QString &clientId) {
        return sql(u"SELECT seq FROM messages WHERE client_message_id = '%1'"_s.arg(clientId))
            .toULongLong();
    }
    int envelopesOf(quint64 conv, quint64 seq) {
        return sql(u"SELECT count(*) FROM envelopes WHERE conversation_id = %1 AND seq = %2"_s
                       .arg(conv)
                       .arg(seq))
            .toInt();
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void removalRotatesEverySender() {
        auto alice = device("alice");
        auto bob = device("bob");
        auto carol = device("carol");
        QVERIFY(alice && bob && carol);
        QTRY_VERIFY_WITH_TIMEOUT(alice->ready && bob->ready && carol->ready, 20000);
        const quint64 g = createGroup(*alice, "plans", {"bob", "carol"});
        QVERIFY(g != 0);

        auto first = alice->client->messaging().sendText(g, "group secret one");
        QVERIFY(first.ok());
        QTRY_VERIFY_WITH_TIMEOUT(bob->hasText("group secret one"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(carol->hasText("group secret one"), 20000);
        // The first message carried alice's sender key to bob's and carol's devices.
        QCOMPARE(envelopesOf(g, seqOf(*first)), 2);
        auto second = alice->client->messaging().sendText(g, "group secret two");
        QVERIFY(second.ok());
        QTRY_VERIFY_WITH_TIMEOUT(carol->hasText("group secret two"), 20000);
        QCOMPARE(envelopesOf(g, seqOf(*second)), 0); // one ciphertext for everyone

        QVERIFY(bob->client->messaging().sendText(g, "bob chimes in").ok());
        QTRY_VERIFY_WITH_TIMEOUT(alice->hasText("bob chimes in"), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(carol->hasText("bob chimes in"), 20000);

        bool removed = false;
        alice->client->groups().change(g, client::GroupAction::Remove, "carol", {},
                                       [&](Status s) { removed = s.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(removed, 10000);
        // Alice rotates before her next send: a new key goes to bob only.
        auto third = alice->client->messaging().sendText(g, "after carol left");
        QVERIFY(third.ok());
        QTRY_VERIFY_WITH_TIMEOUT(bob->hasText("after carol left"), 20000);
        QCOMPARE(envelopesOf(g, seqOf(*third)), 1);
        // Bob saw the removal too and rotates his own key before his next send.
        QTRY_VERIFY_WITH_TIMEOUT(bob->client->messaging().isDrained(), 20000);
        auto fourth = bob->client->messaging().sendText(g, "bob after carol");
        QVERIFY(fourth.ok());
        QTRY_VERIFY_WITH_TIMEOUT(alice->hasText("bob after carol"), 20000);
        QCOMPARE(envelopesOf(g, seqOf(*fourth)), 1);
        // Neither reached carol: a direct message bob sends her afterwards arrives, behind
        // anything the server pushed to her device before (one connection, in order), and her
        // store holds nothing at those seqs, not even an undecryptable placeholder.
        const quint64 direct = bob->openDirect("carol");
        QVERIFY(direct != 0);
        QVERIFY(bob->client->messaging().sendText(direct, "outside the group").ok());
        QTRY_VERIFY_WITH_TIMEOUT(carol->hasText("outside the group"), 20000);
        // Alice can still write to carol directly. When alice's first send after the removal was
        // refused as stale while her client still counted carol as a member, the group's answer
        // (which no longer names carol) used to empty carol's devices for every conversation,
        // and this send failed with NO_KEYS.
        const quint64 aliceDirect = alice->openDirect("carol");
        QVERIFY(aliceDirect != 0);
        QVERIFY(alice->client->messaging().sendText(aliceDirect, "alice outside the group").ok());
        QTRY_VERIFY_WITH_TIMEOUT(carol->hasText("alice outside the group"), 20000);
        QVERIFY(!carol->hasText("after carol left"));
        QVERIFY(!carol->hasText("bob after carol"));
        QVERIFY(!carol->stored(g, seqOf(*third)));
        QVERIFY(!carol->stored(g, seqOf(*fourth)));

        const QString dump = dumpDatabase(m_fx.pg(), m_fx.conninfo());
        for (const char *t : {"group secret one", "group secret two", "bob chimes in",
                              "after carol left", "bob after carol"})
            QVERIFY2(!dumpContains(dump, QString::fromLatin1(t)), t);
    }

    void fiveHundredMembersOneCiphertextPerMessage() {
        auto sender = device("big_sender");
        // The reader would wait out a hole for ten minutes before asking for it: the control
        // sends not addressed to it reach it as stubs (seq only), so none of them is a hole.
        client::Client::Options patient = E2eDevice::defaultOptions();
        patient.sync.gapGraceMs = 600000;
        auto reader = device("big_reader", patient);
        QVERIFY(sender && reader);
        QTRY_VERIFY_WITH_TIMEOUT(sender->ready && reader->ready, 20000);
        // 498 more members with real keys and signed device lists, offline after setup.
        QStringList members{"big_reader"};
        for (int i = 0; i < 498; ++i) {
            const QString name = QStringLiteral("m%1").arg(i, 3, 10, QLatin1Char('0'));
            auto raw = m_fx.registerUser(name);
            QVERIFY(raw);
            const auto aik = crypto::Ed25519KeyPair::generate();
            TestDevice dev(raw->userId, raw->deviceId);
            auto up = raw->request(dev.upload(aik.publicKey, 2));
            QVERIFY(up && up->has_keys_response());
            auto pub = raw->request(publishList(aik, raw->userId, 1, {dev.identity()}));
            QVERIFY(pub && pub->has_ok());
            members << name;
        }
        const quint64 g = createGroup(*sender, "everyone", members);
        QVERIFY(g != 0);

        QElapsedTimer t;
        t.start();
        auto first = sender->client->messaging().sendText(g, "hello five hundred");
        QVERIFY(first.ok());
        QTRY_VERIFY_WITH_TIMEOUT(reader->hasText("hello five hundred"), 90000);
        const qint64 firstMs = t.elapsed();
        // The one-off: a sender key for each of the 499 other devices, ahead of the message in
        // control sends below the frame limit.
        const int distributions =
            sql(u"SELECT count(*) FROM envelopes WHERE conversation_id = %1"_s.arg(g)).toInt();
        QCOMPARE(distributions, 499);
        const int controlSends =
            sql(u"SELECT count(*) FROM messages WHERE conversation_id = %1 AND client_message_id "
                "LIKE '%2.k%'"_s.arg(g)
                    .arg(*first))
                .toInt();
        QVERIFY(controlSends >= 1);

        t.restart();
        auto second = sender->client->messaging().sendText(g, "and again");
        QVERIFY(second.ok());
        QTRY_VERIFY_WITH_TIMEOUT(reader->hasText("and again"), 60000);
        const qint64 secondMs = t.elapsed();
        const quint64 seq = seqOf(*second);
        QCOMPARE(envelopesOf(g, seq), 0);
        const int payload = sql(u"SELECT length(payload) FROM messages WHERE conversation_id = %1 "
                                "AND seq = %2"_s.arg(g)
                                    .arg(seq))
                                .toInt();
        // One ciphertext: version, dist id, chain id, iteration, nonce, tag and signature around
        // a few bytes of content.
        QVERIFY2(payload > 0 && payload < 256, qPrintable(QString::number(payload)));
        qInfo().noquote() << QStringLiteral(
                                 "500 members: first message %1 ms (499 distributions in %2 "
                                 "control sends), next %3 ms, %4 bytes stored once")
                                 .arg(firstMs)
                                 .arg(controlSends)
                                 .arg(secondMs)
                                 .arg(payload);
    }
};

QTEST_GUILESS_MAIN(TestE2eGroupsClient)
#include "test_e2e_groups_client.moc"

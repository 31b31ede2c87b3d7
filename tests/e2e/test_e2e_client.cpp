// End-to-end encryption through the real client core against the real server: 1:1 messages are
// encrypted per device and the server database holds none of the plaintexts; a device linked
// mid-conversation is picked up after STALE_DEVICES; a revoked device gets no envelope; a message
// damaged on the server is reported undecryptable and re-sent by the sender's device, but never to
// a device it was not encrypted for (one linked later, however the server routes the request); a
// message the server moves into another conversation is shown as altered, and the genuine copy
// still opens where it belongs.
#include "core/e2e/e2e_engine.h"
#include "core/groups/groups.h"
#include "core/keys/keys.h"
#include "e2e_device.h"
#include "protocol/codec.h"
#include "support/integration_fixture.h"
#include "support/raw_client.h"

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

    // Resends are rate-limited per requesting device: a recipient may ask again for what it
    // could not read, but not make the sender's device re-send its history as fast as it asks.
    // Here erin answers one request a minute: of two damaged messages only the first is filled.
    void resendsAreRateLimitedPerRequester() {
        auto options = E2eDevice::defaultOptions();
        options.resendsPerMinute = 1;
        auto gail = std::make_unique<E2eDevice>();
        QVERIFY(gail->open(m_dir.filePath(QStringLiteral("d%1.sqlite").arg(++m_n)), options));
        QVERIFY(gail->account(m_fx.url(), "gail", true));
        auto hugo = device("hugo", true);
        QVERIFY(hugo);
        QTRY_VERIFY_WITH_TIMEOUT(gail->ready && hugo->ready, 20000);
        const quint64 conv = gail->openDirect("hugo");
        QVERIFY(gail->client->messaging().sendText(conv, "warm up").ok());
        QTRY_VERIFY_WITH_TIMEOUT(hugo->hasText("warm up"), 20000);
        hugo->client->stop();
        QVERIFY(gail->client->messaging().sendText(conv, "first fragile").ok());
        QVERIFY(gail->client->messaging().sendText(conv, "second fragile").ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            sql(u"SELECT count(*) FROM envelopes WHERE conversation_id = %1"_s.arg(conv)),
            QStringLiteral("3"), 10000);
        const QStringList seqs = m_fx.sqlColumn(
            u"SELECT seq FROM envelopes WHERE conversation_id = %1 ORDER BY seq"_s.arg(conv));
        QCOMPARE(seqs.size(), 3);
        for (const QString &seq : seqs.mid(1))
            sql(u"UPDATE envelopes SET payload = set_byte(payload, length(payload) - 20, "
                "get_byte(payload, length(payload) - 20) # 1) WHERE conversation_id = %1 AND "
                "seq = %2"_s.arg(conv)
                    .arg(seq));
        QVERIFY(hugo->client->start().ok());
        const quint64 first = seqs.at(1).toULongLong(), second = seqs.at(2).toULongLong();
        QTRY_VERIFY_WITH_TIMEOUT(hugo->stored(conv, second).has_value(), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(hugo->stored(conv, first)->text, QStringLiteral("first fragile"),
                                  20000);
        QTest::qWait(1500); // room for a second answer, which must not come
        QVERIFY(hugo->stored(conv, second)->undecryptable);
        QVERIFY(hugo->stored(conv, second)->text.isEmpty());
    }

    void aResendGoesOnlyToDevicesTheMessageWasEncryptedFor() {
        auto hana = device("hana", true);
        auto ivan = device("ivan", true);
        QVERIFY(hana && ivan);
        QTRY_VERIFY_WITH_TIMEOUT(hana->ready && ivan->ready, 20000);
        const quint64 conv = hana->openDirect("ivan");
        auto early = hana->client->messaging().sendText(conv, "before the new laptop");
        QVERIFY(early.ok());
        QTRY_VERIFY_WITH_TIMEOUT(ivan->hasText("before the new laptop"), 20000);
        const QString seq =
            sql(u"SELECT seq FROM messages WHERE client_message_id = '%1'"_s.arg(*early));

        // Ivan links a laptop afterwards: it may read what comes next, not what came before.
        auto laptop = device("ivan", false);
        QVERIFY(laptop);
        bool linkedOld = false, linkedNew = false;
        ivan->client->devices().createLinkCode(
            [&](Result<QString> code) {
                QVERIFY(code.ok());
                laptop->client->devices().linkDevice(*code, [&](Status s) { linkedNew = s.ok(); });
            },
            [&](Status s) { linkedOld = s.ok(); });
        QTRY_VERIFY_WITH_TIMEOUT(linkedOld && linkedNew, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(laptop->ready, 20000);

        // Hana's device learns of the laptop (its next send is refused as stale until it has).
        QVERIFY(hana->client->messaging().sendText(conv, "after the link").ok());
        QTRY_VERIFY_WITH_TIMEOUT(laptop->hasText("after the link"), 20000);

        // The server knows the old message's seq and client id. It has the laptop ask hana's
        // device for it: a genuine request from a genuine, current device of ivan's, in the
        // pairwise session the two now share.
        laptop->client->stop();
        const quint64 laptopId = laptop->deviceId();
        const client::e2e::DeviceAddress hanaDevice{hana->userId(), hana->deviceId()};
        wire::E2eBody ask;
        ask.set_resend_request_seq(seq.toULongLong());
        ask.set_resend_request_client_id(early->toStdString());
        auto *context = ask.mutable_context();
        context->set_conversation_id(conv);
        context->set_sender_user_id(laptop->userId());
        context->set_sender_device_id(laptopId);
        context->set_client_message_id("c-ask-for-history");
        auto envelopes = laptop->client->keys().engine()->encryptPairwise({hanaDevice}, ask);
        QVERIFY2(envelopes.ok(),
                 qPrintable(envelopes.ok() ? QString() : envelopes.error().toString()));
        protocol::Frame send;
        auto *req = send.mutable_send_request();
        req->set_conversation_id(conv);
        req->set_client_message_id("c-ask-for-history");
        req->set_device_digest(protocol::bytesToStd(client::e2e::E2eEngine::deviceDigest(
            {hanaDevice, client::e2e::DeviceAddress{ivan->userId(), ivan->deviceId()}})));
        for (const auto &e : *envelopes)
            *req->add_envelopes() = e;
        auto token = laptop->secrets.read(client::kDeviceTokenKey);
        QVERIFY(token.ok());
        auto raw = RawClient::authenticated(m_fx.url(), *token);
        QVERIFY(raw);
        const auto sent = raw->request(send);
        QVERIFY2(sent && sent->has_send_ack(), sent ? sent->DebugString().c_str() : "no answer");
        const quint64 request = sent->send_ack().seq();
        // Hana's device handles the conversation in order: once it has ivan's next message, it
        // has handled the request.
        QVERIFY(ivan->client->messaging().sendText(conv, "after the request").ok());
        QTRY_VERIFY_WITH_TIMEOUT(hana->hasText("after the request"), 20000);
        // Nothing came back for the laptop: no message from hana's device after the request
        // carries an envelope for it.
        QCOMPARE(sql(u"SELECT count(*) FROM envelopes e JOIN messages m USING (conversation_id,"
                     " seq) WHERE e.conversation_id = %1 AND e.seq > %2 AND e.device_id = %3"
                     " AND m.sender_device_id = %4"_s.arg(conv)
                         .arg(request)
                         .arg(laptopId)
                         .arg(hana->deviceId())),
                 QStringLiteral("0"));
        QVERIFY(!laptop->hasText("before the new laptop"));
    }

    void aPrivateMessageMovedIntoASharedGroupIsShownAsTampered() {
        auto jo = device("jomo", true);
        auto kai = device("kaia", true);
        QVERIFY(jo && kai);
        QTRY_VERIFY_WITH_TIMEOUT(jo->ready && kai->ready, 20000);
        const quint64 direct = jo->openDirect("kaia");
        QVERIFY(jo->client->messaging().sendText(direct, "warm up").ok());
        QTRY_VERIFY_WITH_TIMEOUT(kai->hasText("warm up"), 20000);
        quint64 group = 0;
        jo->client->groups().create(QStringLiteral("Both of us"), {QStringLiteral("kaia")},
                                    [&](Result<client::ConversationInfo> r) {
                                        if (r)
                                            group = r->id;
                                    });
        QTRY_VERIFY_WITH_TIMEOUT(group != 0, 20000);
        QVERIFY(jo->client->messaging().sendText(group, "hello both").ok());
        QTRY_VERIFY_WITH_TIMEOUT(kai->hasText("hello both"), 20000);

        kai->client->stop();
        auto secret = jo->client->messaging().sendText(direct, "just between us");
        QVERIFY(secret.ok());
        QTRY_COMPARE_WITH_TIMEOUT(
            sql(u"SELECT count(*) FROM envelopes e JOIN messages m USING (conversation_id, seq)"
                " WHERE m.client_message_id = '%1' AND e.device_id = %2"_s.arg(*secret)
                    .arg(kai->deviceId())),
            QStringLiteral("1"), 10000);
        const QString seq =
            sql(u"SELECT seq FROM messages WHERE client_message_id = '%1'"_s.arg(*secret));
        // A hostile server copies it into the group (kai's envelope included) and keeps the
        // original from kai for now.
        sql(u"WITH src AS (SELECT * FROM messages WHERE conversation_id = %1 AND seq = %2),"
            " bump AS (UPDATE conversations SET last_seq = last_seq + 1 WHERE id = %3"
            " RETURNING last_seq),"
            " moved AS (INSERT INTO messages (conversation_id, seq, created_at, sender_user_id,"
            " sender_device_id, client_message_id, payload, encrypted) SELECT %3, bump.last_seq,"
            " src.created_at, src.sender_user_id, src.sender_device_id, src.client_message_id,"
            " ''::bytea, true FROM src, bump RETURNING seq, created_at)"
            " INSERT INTO envelopes (conversation_id, seq, device_id, created_at, payload)"
            " SELECT %3, moved.seq, e.device_id, moved.created_at, e.payload FROM moved,"
            " envelopes e WHERE e.conversation_id = %1 AND e.seq = %2 AND e.device_id = %4"_s
                .arg(direct)
                .arg(seq)
                .arg(group)
                .arg(kai->deviceId()));
        sql(u"DELETE FROM inbox WHERE device_id = %1 AND conversation_id = %2 AND seq = %3"_s
                .arg(kai->deviceId())
                .arg(direct)
                .arg(seq));
        const quint64 movedSeq =
            sql(u"SELECT last_seq FROM conversations WHERE id = %1"_s.arg(group)).toULongLong();

        QVERIFY(kai->client->start().ok());
        QTRY_VERIFY_WITH_TIMEOUT(kai->stored(group, movedSeq).has_value(), 20000);
        QVERIFY(kai->stored(group, movedSeq)->tampered);
        QVERIFY(kai->stored(group, movedSeq)->text.isEmpty());
        QVERIFY(!kai->hasText("just between us"));
        // The genuine copy was not spent on the forgery: it opens in the direct chat once kai's
        // device fills the gap the next message there shows.
        QVERIFY(jo->client->messaging().sendText(direct, "and one more").ok());
        QTRY_VERIFY_WITH_TIMEOUT(kai->hasText("and one more"), 20000);
        QTRY_COMPARE_WITH_TIMEOUT(
            kai->stored(direct, seq.toULongLong()).value_or(client::MessageRecord{}).text,
            QStringLiteral("just between us"), 20000);
        QVERIFY(!kai->stored(group, movedSeq)->text.contains(QStringLiteral("between")));
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

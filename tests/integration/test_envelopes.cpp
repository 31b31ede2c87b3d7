// End-to-end sends against the real server: the device digest is checked before anything is
// stored (STALE_DEVICES with missing / extra / current), each device gets only its own envelope
// (live, inbox drain, history), groups mix one payload with per-device envelopes, device-list
// changes and revocations change what is required; profiles and display names; receipt times;
// and a dump of every table after a conversation of real ciphertexts holds no plaintext.
#include "support/e2e_keys.h"
#include "support/integration_fixture.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTest>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;
using Ref = std::pair<quint64, quint64>;

namespace {

//! One account with its account key and the devices in its published list.
struct Account {
    QString name;
    quint64 userId = 0;
    crypto::Ed25519KeyPair aik = crypto::Ed25519KeyPair::generate();
    quint64 version = 0;
    QList<crypto::DeviceIdentity> listed;
};

struct Device {
    std::unique_ptr<RawClient> client;
    std::unique_ptr<TestDevice> keys;
    Ref ref() const { return {client->userId, client->deviceId}; }
};

struct Envelope {
    Ref to;
    QByteArray payload;
};

QList<Ref> refs(const google::protobuf::RepeatedPtrField<wire::DeviceRef> &list) {
    QList<Ref> out;
    for (const auto &r : list)
        out.append({r.user_id(), r.device_id()});
    std::sort(out.begin(), out.end());
    return out;
}

QList<Ref> sorted(QList<Ref> l) {
    std::sort(l.begin(), l.end());
    return l;
}

F e2eSend(quint64 conv, const QString &clientId, const QByteArray &payload,
          const QList<Envelope> &envelopes, const QList<Ref> &digestOver) {
    F f;
    auto *s = f.mutable_send_request();
    s->set_conversation_id(conv);
    s->set_client_message_id(clientId.toStdString());
    s->set_payload(payload.toStdString());
    for (const auto &e : envelopes) {
        auto *env = s->add_envelopes();
        env->set_user_id(e.to.first);
        env->set_device_id(e.to.second);
        env->set_payload(e.payload.toStdString());
    }
    s->set_device_digest(deviceDigest(digestOver).toStdString());
    return f;
}

} // namespace

class TestEnvelopes : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    QString sql(const QString &q) { return m_fx.sql(q); }

    //! Registers (first device) or logs in, publishes the device's keys and a new list version.
    Device addDevice(Account &acc, int opks = 10) {
        Device d;
        if (acc.userId == 0) {
            d.client = m_fx.newUser(QStringLiteral("user"));
            if (!d.client)
                return {};
            acc.name = d.client->username;
            acc.userId = d.client->userId;
        } else {
            d.client = m_fx.newDevice(acc.name);
            if (!d.client)
                return {};
        }
        d.keys = std::make_unique<TestDevice>(d.client->userId, d.client->deviceId);
        auto up = d.client->request(d.keys->upload(acc.aik.publicKey, opks));
        if (!up || !up->has_keys_response())
            return {};
        acc.listed.append(d.keys->identity());
        if (!publish(acc, *d.client))
            return {};
        return d;
    }
    bool publish(Account &acc, RawClient &via) {
        auto r = via.request(publishList(acc.aik, acc.userId, ++acc.version, acc.listed));
        return r && r->has_ok();
    }
    QString count(const char *table, quint64 conv) {
        return sql(QStringLiteral("SELECT count(*) FROM %1 WHERE conversation_id = %2")
                       .arg(QLatin1String(table))
                       .arg(conv));
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void staleDevicesAndOwnEnvelopes() {
        Account alice, bob;
        Device a1 = addDevice(alice);
        Device b1 = addDevice(bob);
        Device b2 = addDevice(bob);
        QVERIFY(a1.client && b1.client && b2.client);
        const quint64 conv = a1.client->openDirect(bob.name);
        QVERIFY(conv);
        const QList<Ref> required = sorted({b1.ref(), b2.ref()});

        // Only b1 known to the sender: b2 is missing, nothing is stored.
        auto r = a1.client->request(e2eSend(conv, "m-1", {}, {{b1.ref(), "ct-b1"}}, {b1.ref()}));
        QCOMPARE(errorCode(r), wire::ERROR_STALE_DEVICES);
        QCOMPARE(refs(r->error().stale().missing()), QList<Ref>{b2.ref()});
        QVERIFY(r->error().stale().extra().empty());
        QCOMPARE(refs(r->error().stale().current()), required);
        // A target that is not a current device (right digest): extra.
        const Ref ghost{bob.userId, 9'999'999};
        r = a1.client->request(
            e2eSend(conv, "m-1", {}, {{b1.ref(), "x"}, {b2.ref(), "y"}, {ghost, "z"}}, required));
        QCOMPARE(errorCode(r), wire::ERROR_STALE_DEVICES);
        QCOMPARE(refs(r->error().stale().extra()), QList<Ref>{ghost});
        QVERIFY(r->error().stale().missing().empty());
        QCOMPARE(refs(r->error().stale().current()), required);
        QCOMPARE(count("messages", conv), QString("0"));
        QCOMPARE(count("envelopes", conv), QString("0"));

        // The right set: stored, each device gets its own envelope and nothing else.
        r = a1.client->request(
            e2eSend(conv, "m-1", {}, {{b1.ref(), "ct-for-b1"}, {b2.ref(), "ct-for-b2"}}, required));
        QVERIFY2(r && r->has_send_ack(), r ? r->DebugString().c_str() : "no answer");
        const quint64 seq = r->send_ack().seq();
        QVERIFY(b1.client->waitMessages(1) && b2.client->waitMessages(1));
        // The first pushes they get: nothing of the refused attempts reached them.
        QCOMPARE(b1.client->messages[0].envelope(), std::string("ct-for-b1"));
        QCOMPARE(b2.client->messages[0].envelope(), std::string("ct-for-b2"));
        QVERIFY(b1.client->messages[0].encrypted());
        QVERIFY(b1.client->messages[0].payload().empty());
        QCOMPARE(count("envelopes", conv), QString("2"));
        // Idempotent like any send.
        r = a1.client->request(
            e2eSend(conv, "m-1", {}, {{b1.ref(), "ct-for-b1"}, {b2.ref(), "ct-for-b2"}}, required));
        QVERIFY(r && r->has_send_ack() && r->send_ack().duplicate());
        QCOMPARE(r->send_ack().seq(), seq);

        // b2 offline: it finds its own envelope in its inbox, and in history.
        const QByteArray b2Token = b2.client->token;
        const Ref b2Ref = b2.ref();
        b2.client.reset();
        r = a1.client->request(
            e2eSend(conv, "m-2", {}, {{b1.ref(), "second-b1"}, {b2Ref, "second-b2"}}, required));
        QVERIFY(r && r->has_send_ack());
        auto back = m_fx.reconnect(b2Token);
        QVERIFY(back);
        QVERIFY(back->waitMessages(2));
        QCOMPARE(back->messages[0].envelope(), std::string("ct-for-b2"));
        QCOMPARE(back->messages[1].envelope(), std::string("second-b2"));
        QVERIFY(back->messages[1].encrypted());
        F h;
        h.mutable_history_request()->set_conversation_id(conv);
        auto hist = back->request(h);
        QVERIFY(hist && hist->has_history_response());
        QCOMPARE(hist->history_response().messages_size(), 2);
        QCOMPARE(hist->history_response().messages(1).envelope(), std::string("second-b2"));
        hist = b1.client->request(h);
        QCOMPARE(hist->history_response().messages(1).envelope(), std::string("second-b1"));
        // The sender's own device sees its send without an envelope.
        hist = a1.client->request(h);
        QVERIFY(hist->history_response().messages(1).envelope().empty());
        QVERIFY(hist->history_response().messages(1).encrypted());

        // Unencrypted sends are unchanged.
        QVERIFY(a1.client->send(conv, "plain-1", "plain")->has_send_ack());
        QVERIFY(b1.client->waitMessages(3));
        QVERIFY(!b1.client->messages[2].encrypted());
    }

    void deviceListChangesAndRevocation() {
        Account alice, bob;
        Device a1 = addDevice(alice);
        Device a2 = addDevice(alice);
        Device b1 = addDevice(bob);
        QVERIFY(a1.client && a2.client && b1.client);
        const quint64 conv = a1.client->openDirect(bob.name);
        // The sender's other devices are required too; the sending one is not.
        QList<Ref> required = sorted({a2.ref(), b1.ref()});
        QList<Envelope> envs{{a2.ref(), "to-a2"}, {b1.ref(), "to-b1"}};
        QVERIFY(a1.client->request(e2eSend(conv, "d-1", {}, envs, required))->has_send_ack());
        QVERIFY(a2.client->waitMessages(1));
        QCOMPARE(a2.client->messages[0].envelope(), std::string("to-a2"));

        // Bob adds a device: the old digest is stale now.
        Device b2 = addDevice(bob);
        QVERIFY(b2.client);
        auto r = a1.client->request(e2eSend(conv, "d-2", {}, envs, required));
        QCOMPARE(errorCode(r), wire::ERROR_STALE_DEVICES);
        QCOMPARE(refs(r->error().stale().missing()), QList<Ref>{b2.ref()});
        QCOMPARE(refs(r->error().stale().current()), sorted({a2.ref(), b1.ref(), b2.ref()}));

        // Revoked: no longer required (even though bob's list still names it).
        F revoke;
        revoke.mutable_revoke_device_request()->set_device_id(b2.client->deviceId);
        QVERIFY(b1.client->request(revoke)->has_ok());
        r = a1.client->request(e2eSend(conv, "d-2", {}, envs, required));
        QVERIFY2(r && r->has_send_ack(), r ? r->DebugString().c_str() : "no answer");

        // A user without a published list has no current devices: only a2 is required.
        auto plain = m_fx.newUser(QStringLiteral("plain"));
        QVERIFY(plain);
        const quint64 conv2 = a1.client->openDirect(plain->username);
        r = a1.client->request(e2eSend(conv2, "p-1", {}, {{a2.ref(), "only-a2"}}, {a2.ref()}));
        QVERIFY2(r && r->has_send_ack(), r ? r->DebugString().c_str() : "no answer");
        QVERIFY(waitFor([&] { return !a2.client->messagesIn(conv2).empty(); }));
        QCOMPARE(a2.client->messagesIn(conv2).front().envelope(), std::string("only-a2"));
        // Envelope-only, none for it: it gets the seq as a stub without any ciphertext (so the
        // seq is no hole it waits out), then the unencrypted send after it.
        QVERIFY(a1.client->send(conv2, "p-2", "plain marker")->has_send_ack());
        QVERIFY(plain->waitMessages(2));
        QCOMPARE(int(plain->messages.size()), 2);
        QCOMPARE(plain->messages[0].client_message_id(), std::string("p-1"));
        QVERIFY(plain->messages[0].payload().empty() && plain->messages[0].envelope().empty());
        QCOMPARE(plain->messages[1].client_message_id(), std::string("p-2"));
    }

    void groupPayloadWithSubsetEnvelopes() {
        Account alice, bob, carol;
        Device a1 = addDevice(alice);
        Device b1 = addDevice(bob);
        Device c1 = addDevice(carol);
        QVERIFY(a1.client && b1.client && c1.client);
        const quint64 conv = a1.client->createGroup("crypto group", {bob.name, carol.name});
        QVERIFY(conv);
        QVERIFY(b1.client->waitMessages(1) && c1.client->waitMessages(1)); // created event
        const QList<Ref> required = sorted({b1.ref(), c1.ref()});
        // A group message (one sender-key ciphertext) with a distribution for carol only.
        auto r = a1.client->request(
            e2eSend(conv, "g-1", "group-ct", {{c1.ref(), "skd-for-c1"}}, required));
        QVERIFY2(r && r->has_send_ack(), r ? r->DebugString().c_str() : "no answer");
        QVERIFY(b1.client->waitMessages(2) && c1.client->waitMessages(2));
        QCOMPARE(b1.client->messages[1].payload(), std::string("group-ct"));
        QVERIFY(b1.client->messages[1].envelope().empty());
        QCOMPARE(c1.client->messages[1].payload(), std::string("group-ct"));
        QCOMPARE(c1.client->messages[1].envelope(), std::string("skd-for-c1"));

        // Envelope-only (a resend to carol): bob, connected, gets a stub without ciphertext
        // (its seq only), and no inbox row: were he offline, his catch-up would fill the seq.
        r = a1.client->request(e2eSend(conv, "g-2", {}, {{c1.ref(), "resend-c1"}}, required));
        QVERIFY(r && r->has_send_ack());
        QVERIFY(c1.client->waitMessages(3));
        QCOMPARE(c1.client->messages[2].envelope(), std::string("resend-c1"));
        QVERIFY(a1.client->send(conv, "g-3", "plain after")->has_send_ack());
        QVERIFY(b1.client->waitMessages(4));
        QCOMPARE(b1.client->messages[2].seq(), r->send_ack().seq());
        QVERIFY(b1.client->messages[2].payload().empty() &&
                b1.client->messages[2].envelope().empty());
        QCOMPARE(b1.client->messages[3].payload(), std::string("plain after"));
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM inbox WHERE conversation_id = %1 AND "
                                    "device_id = %2 AND seq = %3")
                         .arg(conv)
                         .arg(b1.client->deviceId)
                         .arg(r->send_ack().seq())),
                 QString("0"));
        // A stale group send names the whole current set.
        r = a1.client->request(e2eSend(conv, "g-4", "ct", {}, {b1.ref()}));
        QCOMPARE(errorCode(r), wire::ERROR_STALE_DEVICES);
        QCOMPARE(refs(r->error().stale().current()), required);
    }

    void profilesAndDisplayNames() {
        auto bob = m_fx.newUser(QStringLiteral("bobp"));
        auto alice = m_fx.newUser(QStringLiteral("alicep"));
        QVERIFY(bob && alice);
        const QString bobName = bob->username;
        F set;
        set.mutable_set_profile_request()->set_display_name("Bob Builder");
        QVERIFY(bob->request(set)->has_ok());
        F get;
        get.mutable_profiles_request()->add_usernames(bobName.toStdString());
        get.mutable_profiles_request()->add_usernames(alice->username.toStdString());
        get.mutable_profiles_request()->add_usernames("nobody-here");
        auto r = alice->request(get);
        QVERIFY(r && r->has_profiles_response());
        QCOMPARE(r->profiles_response().profiles_size(), 2);
        QCOMPARE(r->profiles_response().profiles(0).user_id(), bob->userId);
        QCOMPARE(r->profiles_response().profiles(0).display_name(), std::string("Bob Builder"));
        QVERIFY(r->profiles_response().profiles(1).display_name().empty());

        F open;
        open.mutable_open_direct_request()->set_username(bobName.toStdString());
        auto info = alice->request(open);
        QVERIFY(info && info->has_conversation_info());
        QCOMPARE(info->conversation_info().peer_display_name(), std::string("Bob Builder"));
        F gi;
        gi.mutable_group_info_request()->set_conversation_id(
            info->conversation_info().conversation_id());
        auto full = alice->request(gi);
        QVERIFY(full && full->has_conversation_info());
        QCOMPARE(full->conversation_info().peer_display_name(), std::string("Bob Builder"));
        bool found = false;
        for (const auto &m : full->conversation_info().members())
            if (m.user_id() == bob->userId)
                found = m.display_name() == "Bob Builder";
        QVERIFY(found);

        auto again = m_fx.connect();
        QVERIFY(again);
        auto auth = again->auth(bob->token);
        QVERIFY(auth && auth->has_auth_response());
        QCOMPARE(auth->auth_response().display_name(), std::string("Bob Builder"));
    }

    void receiptsCarryServerTime() {
        auto a = m_fx.newUser(QStringLiteral("rta"));
        auto b = m_fx.newUser(QStringLiteral("rtb"));
        QVERIFY(a && b);
        const quint64 conv = a->openDirect(b->username);
        QVERIFY(a->send(conv, "r-1", "hi")->has_send_ack());
        QVERIFY(b->waitMessages(1));
        a->pushes.clear();
        const qint64 before = QDateTime::currentMSecsSinceEpoch();
        b->ackRead(conv, 1);
        auto p = a->waitPush(F::kReceiptPush);
        QVERIFY(p);
        QCOMPARE(p->receipt_push().read_seq(), 1u);
        QVERIFY(p->receipt_push().server_time_ms() >= before - 1000);
        QVERIFY(p->receipt_push().server_time_ms() <= QDateTime::currentMSecsSinceEpoch() + 1000);
    }
    void encryptedSendCostFigures() {
        // Not a benchmark with a bound: prints what the device check and the envelope rows cost
        // next to plain sends on this machine (500 pipelined sends each, 1:1, two envelopes).
        Account alice, bob;
        Device a1 = addDevice(alice);
        Device b1 = addDevice(bob);
        Device b2 = addDevice(bob);
        QVERIFY(a1.client && b1.client && b2.client);
        const quint64 conv = a1.client->openDirect(bob.name);
        const QList<Ref> required = sorted({b1.ref(), b2.ref()});
        const QByteArray ct(200, 'c');
        std::vector<F> plain, e2e;
        for (int i = 0; i < 500; ++i) {
            F f;
            f.mutable_send_request()->set_conversation_id(conv);
            f.mutable_send_request()->set_client_message_id(
                QStringLiteral("p%1").arg(i).toStdString());
            f.mutable_send_request()->set_payload(ct.toStdString());
            plain.push_back(f);
            e2e.push_back(e2eSend(conv, QStringLiteral("e%1").arg(i), {},
                                  {{b1.ref(), ct}, {b2.ref(), ct}}, required));
        }
        QElapsedTimer t;
        t.start();
        auto p = a1.client->pipeline(plain, 60000);
        const qint64 plainMs = t.restart();
        auto e = a1.client->pipeline(e2e, 60000);
        const qint64 e2eMs = t.elapsed();
        QCOMPARE(int(p.size()), 500);
        QCOMPARE(int(e.size()), 500);
        for (const auto &a : e)
            QVERIFY(a.has_send_ack());
        qInfo("500 plain sends: %lld ms; 500 encrypted sends with 2 envelopes: %lld ms", plainMs,
              e2eMs);
        QVERIFY(b2.client->waitMessages(1000, 60000));
        QCOMPARE(b2.client->messagesIn(conv).back().envelope(), ct.toStdString());
    }

    // The server stores only ciphertext: with the default configuration a send that does not
    // even claim end-to-end encryption (no device digest) is refused with NOT_ENCRYPTED and
    // nothing is stored or delivered; an encrypted send passes that gate (here to the digest
    // check). tidingsd --allow-unencrypted exists for load tools only.
    void unencryptedSendsAreRefused() {
        QString error;
        auto h = m_fx.freshServer({}, &error);
        QVERIFY2(h, qPrintable(error));
        h->config().allowUnencrypted = false; // the default of ServerConfig and of tidingsd
        QVERIFY2(h->start(&error), qPrintable(error));
        RawClient alice(h->url()), bob(h->url());
        QVERIFY(alice.connectNow() && bob.connectNow());
        QVERIFY(alice.registerUser("alice") && bob.registerUser("bob"));
        const quint64 conv = alice.openDirect("bob");
        QVERIFY(conv);
        const auto plain = alice.send(conv, "p1", "meet me at the old mill");
        QVERIFY(plain && plain->has_error());
        QCOMPARE(plain->error().code(), wire::ERROR_NOT_ENCRYPTED);
        const auto claimed = alice.request(e2eSend(conv, "e1", {}, {}, {}));
        QVERIFY(claimed);
        QVERIFY(!claimed->has_error() || claimed->error().code() != wire::ERROR_NOT_ENCRYPTED);
        F hist;
        hist.mutable_history_request()->set_conversation_id(conv);
        const auto r = bob.request(hist);
        QVERIFY(r && r->has_history_response());
        for (const auto &m : r->history_response().messages())
            QVERIFY(m.client_message_id() != "p1");
        for (const auto &m : bob.messagesIn(conv))
            QVERIFY(m.client_message_id() != "p1");
    }

    void databaseHoldsNoPlaintext() {
        Account alice, bob;
        Device a1 = addDevice(alice);
        Device b1 = addDevice(bob);
        QVERIFY(a1.client && b1.client);
        const quint64 conv = a1.client->openDirect(bob.name);
        const QStringList secrets{"the eagle lands at midnight", "reply about the quokka",
                                  "third: meet by the old mill"};
        auto body = [](const QString &text) {
            wire::E2eBody b;
            b.mutable_content()->set_text(text.toStdString());
            return QByteArray::fromStdString(b.SerializeAsString());
        };
        auto text = [](const crypto::SecretBytes &plain) {
            wire::E2eBody b;
            b.ParseFromArray(plain.data(), int(plain.size()));
            return QString::fromStdString(b.content().text());
        };

        // Alice: X3DH against the bundle the server hands out, first message as a PreKeyMessage.
        F fetch;
        fetch.mutable_fetch_bundles_request()->set_user_id(bob.userId);
        auto bundles = a1.client->request(fetch);
        QVERIFY(bundles && bundles->has_bundles_response());
        QCOMPARE(bundles->bundles_response().bundles_size(), 1);
        auto out = crypto::startSession(a1.keys->keys,
                                        bundleFromWire(bundles->bundles_response().bundles(0)),
                                        bob.aik.publicKey, body(secrets[0]));
        QVERIFY2(out, qPrintable(out ? QString() : out.error().toString()));
        auto r = a1.client->request(
            e2eSend(conv, "s-1", {}, {{b1.ref(), out->preKeyMessage}}, {b1.ref()}));
        QVERIFY(r && r->has_send_ack());

        // Bob: accepts it with his prekey store, answers in the ratchet session.
        QVERIFY(b1.client->waitMessages(1));
        auto in = crypto::acceptPreKeyMessage(
            b1.keys->keys, b1.keys->store,
            QByteArray::fromStdString(b1.client->messages[0].envelope()),
            QDateTime::currentSecsSinceEpoch());
        QVERIFY2(in, qPrintable(in ? QString() : in.error().toString()));
        QCOMPARE(text(in->plaintext), secrets[0]);
        auto reply = in->session.encrypt(body(secrets[1]));
        QVERIFY(reply);
        r = b1.client->request(e2eSend(conv, "s-2", {}, {{a1.ref(), *reply}}, {a1.ref()}));
        QVERIFY(r && r->has_send_ack());
        QVERIFY(a1.client->waitMessages(1));
        auto plain =
            out->session.decrypt(QByteArray::fromStdString(a1.client->messages[0].envelope()));
        QVERIFY(plain);
        QCOMPARE(text(*plain), secrets[1]);
        auto third = out->session.encrypt(body(secrets[2]));
        QVERIFY(third);
        r = a1.client->request(e2eSend(conv, "s-3", {}, {{b1.ref(), *third}}, {b1.ref()}));
        QVERIFY(r && r->has_send_ack());
        QVERIFY(b1.client->waitMessages(2));
        auto plain3 =
            in->session.decrypt(QByteArray::fromStdString(b1.client->messages[1].envelope()));
        QVERIFY(plain3);
        QCOMPARE(text(*plain3), secrets[2]);

        // A canary sent unencrypted must be found: the dump below can see plaintext.
        QVERIFY(a1.client->send(conv, "canary", body("canary in the clear"))->has_send_ack());

        // Every table of the public schema, every row; bytea values decoded to raw bytes.
        QByteArray dump;
        const QStringList tables =
            m_fx.sqlColumn("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
        QVERIFY(
            tables.contains("envelopes_" + QDateTime::currentDateTimeUtc().toString("yyyyMM")) ||
            tables.contains("envelopes"));
        static const QRegularExpression hex(QStringLiteral("\\\\x([0-9a-f]+)"));
        for (const QString &t : tables) {
            const QStringList rows =
                m_fx.sqlColumn(QStringLiteral("SELECT x::text FROM \"%1\" x").arg(t));
            for (const QString &row : rows) {
                QVERIFY2(!row.startsWith("ERROR:"), qPrintable(row));
                dump += row.toUtf8() + '\n';
                for (auto it = hex.globalMatch(row); it.hasNext();)
                    dump += QByteArray::fromHex(it.next().captured(1).toLatin1()) + '\n';
            }
        }
        QVERIFY(dump.contains("canary in the clear"));
        for (const QString &secret : secrets)
            QVERIFY2(!dump.contains(secret.toUtf8()), qPrintable(secret));
        QVERIFY(sql(QStringLiteral("SELECT count(*) FROM envelopes WHERE conversation_id = %1")
                        .arg(conv)) == "3");
    }
};

QTEST_GUILESS_MAIN(TestEnvelopes)
#include "test_envelopes.moc"

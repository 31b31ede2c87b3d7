// Pairwise sessions through E2eEngine: PreKey → ratchet, order, replay, tampering,
// decrypt-on-copy, crash before send, persistence, what the SQLite file holds, and bodies bound
// to their conversation and message (context binding).
#include "core/e2e/e2e_engine.h"
#include "core/e2e/own_keys.h"
#include "crypto/crypto_error.h"
#include "crypto/device_list.h"
#include "crypto/ratchet.h"
#include "test_e2e_helpers.h"

#include <QFile>
#include <QTemporaryDir>

#include <algorithm>

namespace tidings::client::e2e {
struct E2eEngineTestAccess {
    static const OwnKeys &own(E2eEngine &e) { return *e.m_own; }
};
} // namespace tidings::client::e2e

using namespace e2etest;
using tidings::ErrorCode;
using tidings::client::e2e::E2eEngineTestAccess;
namespace crypto = tidings::crypto;

namespace {
char kindOf(const wire::Message &m) {
    return m.envelope().empty() ? 0 : m.envelope()[0];
}
quint32 ratchetN(const wire::Message &m) {
    auto h = crypto::peekRatchetHeader(qba(m.envelope()).mid(1));
    return h ? h->n : 0xFFFFFFFF;
}
QByteArray fileBytes(const QString &path) {
    QByteArray all;
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-journal")}) {
        QFile f(path + suffix);
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}
} // namespace

class TestE2ePairwise : public QObject {
    Q_OBJECT

    //! Alice (1:1) and Bob (2:1) with Alice's session to Bob and both lists known.
    struct Pair {
        FakeServer server;
        Device alice;
        Device bob;
        Pair(const QString &aPath = QStringLiteral(":memory:"),
             const QString &bPath = QStringLiteral(":memory:"))
            : alice(1, 1, aPath)
            , bob(2, 1, bPath) {
            setUpFirstDevice(server, alice);
            setUpFirstDevice(server, bob);
            introduce(server, alice, bob);
            must(alice->acceptDeviceList(server.list(2)), "list");
        }
    };

    static QString receive(Device &d, const wire::Message &m, bool commit = true) {
        auto r = d->decrypt(m, d.addr.userId, d.addr.deviceId);
        if (!r)
            return QStringLiteral("ERR ") + r.error().detail;
        if (commit) {
            auto s = r->commit();
            if (!s)
                return QStringLiteral("COMMIT ") + s.error().detail;
        }
        return textOf(r->pairwise);
    }

private slots:
    void roundTripBothDirections() {
        Pair p;
        QVERIFY(p.alice->hasSession(p.bob.addr));
        QVERIFY(!p.bob->hasSession(p.alice.addr));
        const auto m1 = sendText(p.alice, p.bob, QStringLiteral("hi bob"));
        QCOMPARE(kindOf(m1), char(1)); // PreKey while unacknowledged
        const auto m2 = sendText(p.alice, p.bob, QStringLiteral("still there?"));
        QCOMPARE(kindOf(m2), char(1));
        QCOMPARE(receive(p.bob, m1), QStringLiteral("hi bob"));
        QCOMPARE(receive(p.bob, m2), QStringLiteral("still there?"));
        QVERIFY(p.bob->hasSession(p.alice.addr));
        const auto r1 = sendText(p.bob, p.alice, QStringLiteral("hi alice"));
        QCOMPARE(kindOf(r1), char(2));
        QCOMPARE(receive(p.alice, r1), QStringLiteral("hi alice"));
        const auto m3 = sendText(p.alice, p.bob, QStringLiteral("acknowledged now"));
        QCOMPARE(kindOf(m3), char(2)); // the reply acknowledged the session
        QCOMPARE(receive(p.bob, m3), QStringLiteral("acknowledged now"));
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QString::number(i))),
                     QString::number(i));
            QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QString::number(i))),
                     QString::number(i));
        }
    }

    void aBodyOpensOnlyInItsOwnConversationAndMessage() {
        Pair p;
        wire::E2eBody body = textBody(QStringLiteral("private words"));
        auto *context = body.mutable_context();
        context->set_conversation_id(7);
        context->set_sender_user_id(p.alice.addr.userId);
        context->set_sender_device_id(p.alice.addr.deviceId);
        context->set_client_message_id("m-1");
        auto envs = must(p.alice->encryptPairwise({p.bob.addr}, body), "encrypt");
        wire::Message m = messageFrom(p.alice, 7, qba(envs.at(0).payload()));
        m.set_client_message_id("m-1");

        // The server moves it into another conversation both share, or passes it off as
        // another message: refused, and nothing is committed.
        const auto contextError = [&](const wire::Message &copy) {
            auto r = p.bob->decrypt(copy, p.bob.addr.userId, p.bob.addr.deviceId);
            return r ? crypto::CryptoError::None : crypto::cryptoErrorOf(r.error());
        };
        wire::Message moved = m;
        moved.set_conversation_id(9);
        QCOMPARE(contextError(moved), crypto::CryptoError::ContextMismatch);
        wire::Message renamed = m;
        renamed.set_client_message_id("m-2");
        QCOMPARE(contextError(renamed), crypto::CryptoError::ContextMismatch);
        // The genuine copy still opens where it belongs.
        QCOMPARE(receive(p.bob, m), QStringLiteral("private words"));

        // Alice's device binds its bodies now: an unbound one from it is refused, also after a
        // restart (a server cannot strip the context from a new ciphertext, and cannot pass an
        // old unbound one off either: it was opened already).
        const auto unbound = sendText(p.alice, p.bob, QStringLiteral("unbound"));
        QCOMPARE(contextError(unbound), crypto::CryptoError::ContextMismatch);
        p.bob.reopen();
        QCOMPARE(contextError(unbound), crypto::CryptoError::ContextMismatch);
        // Another device that never bound its bodies (an older client) is still read.
        Device carol(3, 1);
        setUpFirstDevice(p.server, carol);
        introduce(p.server, carol, p.bob);
        QCOMPARE(receive(p.bob, sendText(carol, p.bob, QStringLiteral("legacy"))),
                 QStringLiteral("legacy"));
    }

    void withoutOneTimePrekey() {
        FakeServer server;
        Device alice(1, 1), bob(2, 1);
        setUpFirstDevice(server, alice);
        setUpFirstDevice(server, bob);
        introduce(server, alice, bob, false);
        QCOMPARE(receive(bob, sendText(alice, bob, QStringLiteral("spk only"))),
                 QStringLiteral("spk only"));
    }

    void outOfOrder() {
        Pair p;
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("x"))),
                 QStringLiteral("x"));
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("y"))),
                 QStringLiteral("y"));
        QList<wire::Message> msgs;
        for (int i = 0; i < 6; ++i)
            msgs.append(sendText(p.alice, p.bob, QString::number(i)));
        // A ratchet step in the middle: bob answers, alice sends on the new chain.
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("z"))),
                 QStringLiteral("z"));
        for (int i = 6; i < 9; ++i)
            msgs.append(sendText(p.alice, p.bob, QString::number(i)));
        const QList<int> order{7, 3, 0, 8, 5, 1, 6, 4, 2};
        for (int i : order)
            QCOMPARE(receive(p.bob, msgs.at(i)), QString::number(i));
    }

    void replayRejected() {
        Pair p;
        const auto first = sendText(p.alice, p.bob, QStringLiteral("first"));
        QCOMPARE(receive(p.bob, first), QStringLiteral("first"));
        QVERIFY(receive(p.bob, first).startsWith(QStringLiteral("ERR"))); // replayed PreKey
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("r"))),
                 QStringLiteral("r"));
        const auto m = sendText(p.alice, p.bob, QStringLiteral("ratchet"));
        QCOMPARE(receive(p.bob, m), QStringLiteral("ratchet"));
        auto again = p.bob->decrypt(m, 2, 1);
        QVERIFY(!again);
        QCOMPARE(again.error().code, ErrorCode::BadFrame);
        QVERIFY(receive(p.bob, first).startsWith(QStringLiteral("ERR")));
    }

    void tamperRejectedStateUnchanged() {
        Pair p;
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("a"))),
                 QStringLiteral("a"));
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("b"))),
                 QStringLiteral("b"));
        const auto m = sendText(p.alice, p.bob, QStringLiteral("do not touch"));
        const std::string env = m.envelope();
        for (size_t pos = 0; pos < env.size(); pos += 7) {
            wire::Message bad = m;
            std::string e = env;
            e[pos] = char(e[pos] ^ 0x10);
            bad.set_envelope(e);
            QVERIFY2(receive(p.bob, bad).startsWith(QStringLiteral("ERR")),
                     qPrintable(QString::number(pos)));
        }
        wire::Message truncated = m;
        truncated.set_envelope(env.substr(0, env.size() - 1));
        QVERIFY(receive(p.bob, truncated).startsWith(QStringLiteral("ERR")));
        QCOMPARE(receive(p.bob, m), QStringLiteral("do not touch"));
    }

    void decryptOnCopy() {
        Pair p;
        const auto m = sendText(p.alice, p.bob, QStringLiteral("copy"));
        QCOMPARE(receive(p.bob, m, false), QStringLiteral("copy"));
        QVERIFY(!p.bob->hasSession(p.alice.addr)); // nothing written without commit
        QCOMPARE(receive(p.bob, m, false), QStringLiteral("copy"));
        QCOMPARE(receive(p.bob, m, true), QStringLiteral("copy"));
        QVERIFY(p.bob->hasSession(p.alice.addr));
        QVERIFY(receive(p.bob, m).startsWith(QStringLiteral("ERR")));
        // Same for a ratchet message.
        const auto r = sendText(p.bob, p.alice, QStringLiteral("reply"));
        QCOMPARE(receive(p.alice, r, false), QStringLiteral("reply"));
        QCOMPARE(receive(p.alice, r, true), QStringLiteral("reply"));
        QVERIFY(receive(p.alice, r).startsWith(QStringLiteral("ERR")));
        // Committed inside the caller's transaction, which then rolls back (storing the
        // message failed): the state did not advance, the message decrypts again.
        const auto r1 = sendText(p.bob, p.alice, QStringLiteral("r1"));
        auto d1 = p.alice->decrypt(r1, 1, 1);
        QVERIFY(d1);
        {
            auto txn = p.alice.database->begin();
            QVERIFY(txn);
            QVERIFY(d1->commit());
        } // not committed: rolled back
        QCOMPARE(receive(p.alice, r1), QStringLiteral("r1"));
        QVERIFY(receive(p.alice, r1).startsWith(QStringLiteral("ERR")));
        // Two decrypts of one state, both committed: the second would roll the first back.
        const auto r2 = sendText(p.bob, p.alice, QStringLiteral("r2"));
        const auto r3 = sendText(p.bob, p.alice, QStringLiteral("r3"));
        auto d2 = p.alice->decrypt(r2, 1, 1);
        auto d3 = p.alice->decrypt(r3, 1, 1);
        QVERIFY(d2 && d3);
        QVERIFY(d3->commit());
        QVERIFY(!d2->commit());
        QVERIFY(!d3->commit()); // and a commit runs once
        QCOMPARE(receive(p.alice, r2), QStringLiteral("r2"));
        QVERIFY(receive(p.alice, r3).startsWith(QStringLiteral("ERR")));
        // The same for two first messages racing on the prekey store.
        Device carol(3, 1);
        setUpFirstDevice(p.server, carol);
        introduce(p.server, carol, p.alice);
        introduce(p.server, p.bob, p.alice);
        const auto c1 = sendText(carol, p.alice, QStringLiteral("c1"));
        must(p.alice->acceptDeviceList(p.server.list(3)), "list");
        auto dc = p.alice->decrypt(c1, 1, 1);
        auto db = p.alice->decrypt(sendText(p.bob, p.alice, QStringLiteral("b1")), 1, 1);
        QVERIFY(dc && db);
        QVERIFY(db->commit());
        QVERIFY(!dc->commit());
        QCOMPARE(receive(p.alice, c1), QStringLiteral("c1"));
    }

    void crashAfterEncryptNeverReusesKey() {
        QTemporaryDir dir;
        Pair p(dir.filePath(QStringLiteral("a.db")), dir.filePath(QStringLiteral("b.db")));
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("a"))),
                 QStringLiteral("a"));
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("b"))),
                 QStringLiteral("b"));
        const auto lost = sendText(p.alice, p.bob, QStringLiteral("never sent"));
        p.alice.reopen(); // the process dies before the frame leaves
        const auto next = sendText(p.alice, p.bob, QStringLiteral("after crash"));
        QCOMPARE(ratchetN(next), ratchetN(lost) + 1);
        QVERIFY(qba(next.envelope()).mid(1, 32) == qba(lost.envelope()).mid(1, 32));
        QCOMPARE(receive(p.bob, next), QStringLiteral("after crash"));
        QCOMPARE(receive(p.bob, lost), QStringLiteral("never sent"));
    }

    void persistenceAcrossReopen() {
        QTemporaryDir dir;
        Pair p(dir.filePath(QStringLiteral("a.db")), dir.filePath(QStringLiteral("b.db")));
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("1"))),
                 QStringLiteral("1"));
        p.alice.reopen();
        p.bob.reopen();
        QVERIFY(p.alice->hasDeviceKeys());
        QVERIFY(p.alice->hasAccountKey());
        QCOMPARE(p.bob->currentDevices(1), QList<DeviceAddress>{p.alice.addr});
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("2"))),
                 QStringLiteral("2"));
        p.alice.reopen();
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("3"))),
                 QStringLiteral("3"));
        // The master key matters: another key cannot open the stored state.
        p.alice.engine.reset();
        tidings::client::KeyStore wrongKeys(*p.alice.database, SecretBytes::random(32));
        E2eEngine wrong(wrongKeys);
        QVERIFY(!wrong.open());
    }

    void simultaneousInitiation() {
        FakeServer server;
        Device alice(1, 1), bob(2, 1);
        setUpFirstDevice(server, alice);
        setUpFirstDevice(server, bob);
        introduce(server, alice, bob);
        introduce(server, bob, alice);
        const auto a1 = sendText(alice, bob, QStringLiteral("from alice"));
        const auto b1 = sendText(bob, alice, QStringLiteral("from bob"));
        QCOMPARE(receive(bob, a1), QStringLiteral("from alice"));
        QCOMPARE(receive(alice, b1), QStringLiteral("from bob"));
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(receive(bob, sendText(alice, bob, QString::number(i))), QString::number(i));
            QCOMPARE(receive(alice, sendText(bob, alice, QString::number(i))), QString::number(i));
        }
    }

    void onlyListedSenders() {
        FakeServer server;
        Device alice(1, 1), bob(2, 1), mallory(3, 1);
        setUpFirstDevice(server, alice);
        setUpFirstDevice(server, bob);
        setUpFirstDevice(server, mallory);
        must(alice->acceptBundles(server.bundles(2, {1})), "bundles");
        const auto m = sendText(alice, bob, QStringLiteral("who am i"));
        auto r = bob->decrypt(m, 2, 1); // bob has not verified alice's list yet
        QVERIFY(!r);
        QCOMPARE(r.error().code, ErrorCode::Forbidden);
        must(bob->acceptDeviceList(server.list(1)), "list");
        must(bob->acceptDeviceList(server.list(3)), "list");
        // The server claims mallory sent alice's message: the identities do not match.
        wire::Message forged = m;
        forged.set_sender_user_id(3);
        QVERIFY(!bob->decrypt(forged, 2, 1));
        QCOMPARE(receive(bob, m), QStringLiteral("who am i"));
        // Bundles for a device not in the verified list are refused.
        wire::BundlesResponse ghost = server.bundles(3, {1});
        ghost.clear_device_list();
        ghost.mutable_bundles(0)->set_device_id(9);
        QVERIFY(!alice->acceptBundles(ghost));
    }

    void changedDeviceKeysDropTheSession() {
        Pair p;
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("a"))),
                 QStringLiteral("a"));
        QVERIFY(p.bob->hasSession(p.alice.addr));
        // Alice's account key lists device 1 with other keys (a reinstall under the same id).
        const auto &own = E2eEngineTestAccess::own(*p.alice.engine);
        crypto::DeviceList list;
        list.userId = 1;
        list.version = 7;
        list.issuedAtMs = 1;
        list.devices.append(crypto::DeviceEntry{1, crypto::Ed25519KeyPair::generate().publicKey,
                                                crypto::X25519KeyPair::generate().publicKey});
        wire::DeviceListResponse r;
        r.set_user_id(1);
        r.set_signed_list(str(crypto::signDeviceList(list, *own.accountKeyPair())));
        r.set_account_key(str(own.accountPublicKey()));
        auto update = must(p.bob->acceptDeviceList(r), "list");
        QVERIFY(!update.identityChanged);
        QVERIFY(!p.bob->hasSession(p.alice.addr));
        // A message under the old keys is no longer accepted from that device.
        QVERIFY(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("b"))).startsWith("ERR"));
    }

    void fileHoldsNoSecrets() {
        QTemporaryDir dir;
        const QString aPath = dir.filePath(QStringLiteral("a.db"));
        const QString bPath = dir.filePath(QStringLiteral("b.db"));
        Pair p(aPath, bPath);
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("secret text"))),
                 QStringLiteral("secret text"));
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("x"))),
                 QStringLiteral("x"));
        for (Device *dev : {&p.alice, &p.bob}) {
            const auto &own = E2eEngineTestAccess::own(*dev->engine);
            QList<QByteArray> secrets;
            auto raw = [](const SecretBytes &s, size_t n) {
                return QByteArray(s.constChar(), qsizetype(std::min(n, s.size())));
            };
            secrets << raw(own.deviceKeys().dsk.secretKey, 32)
                    << raw(own.deviceKeys().dik.secretKey, 32)
                    << raw(own.accountKeyPair()->secretKey, 32);
            auto pk = own.loadPrekeys();
            QVERIFY(pk);
            secrets << raw(pk->currentSignedPreKey()->key.secretKey, 32);
            for (quint32 id = 1; id <= 100; ++id)
                if (const auto *opk = pk->oneTimePreKey(id))
                    secrets << raw(opk->key.secretKey, 32);
            QVERIFY(secrets.size() > 90);
            // The main file and its WAL (the client database runs in WAL mode).
            const QString path = dev == &p.alice ? aPath : bPath;
            const QByteArray file = fileBytes(path) + fileBytes(path + QStringLiteral("-wal"));
            QVERIFY(file.size() > 4096);
            for (const QByteArray &s : secrets)
                QVERIFY(!file.contains(s));
            QVERIFY(!file.contains("secret text"));
            QVERIFY(!file.contains(dev->masterKey));
        }
    }

    void deletedMessageKeysAreGone() {
        QTemporaryDir dir;
        const QString bPath = dir.filePath(QStringLiteral("b.db"));
        Pair p(QStringLiteral(":memory:"), bPath);
        QCOMPARE(receive(p.bob, sendText(p.alice, p.bob, QStringLiteral("a"))),
                 QStringLiteral("a"));
        QCOMPARE(receive(p.alice, sendText(p.bob, p.alice, QStringLiteral("b"))),
                 QStringLiteral("b"));
        const auto m1 = sendText(p.alice, p.bob, QStringLiteral("late"));
        const auto m2 = sendText(p.alice, p.bob, QStringLiteral("early"));
        QCOMPARE(receive(p.bob, m2), QStringLiteral("early")); // m1's key is now a skipped key
        auto stateRow = [&] {
            QSqlQuery q = p.bob.query();
            q.exec(QStringLiteral("SELECT state FROM e2e_sessions WHERE user_id = 1"));
            return q.next() ? q.value(0).toByteArray() : QByteArray();
        };
        const QByteArray withSkipped = stateRow();
        QVERIFY(withSkipped.size() > 100);
        QVERIFY(fileBytes(bPath).contains(withSkipped));
        QCOMPARE(receive(p.bob, m1), QStringLiteral("late"));
        QVERIFY(stateRow() != withSkipped);
        // The sealed state that held the used key is overwritten (secure_delete), so a copy of
        // the file plus the master key cannot recover it. The client database runs in WAL mode:
        // the previous page stays in the WAL and the main file until a checkpoint (SQLite's
        // automatic one, or the one when the store closes), so the check follows one.
        QVERIFY(p.bob.database->exec(QStringLiteral("PRAGMA wal_checkpoint(TRUNCATE)")).ok());
        QVERIFY(!(fileBytes(bPath) + fileBytes(bPath + QStringLiteral("-wal")))
                     .contains(withSkipped.left(48)));
        QVERIFY(receive(p.bob, m1).startsWith(QStringLiteral("ERR")));
    }

    void prekeyMaintenance() {
        FakeServer server;
        Device alice(1, 1);
        qint64 now = 1'700'000'000'000;
        alice->setClockForTest([&] { return now; });
        setUpFirstDevice(server, alice);
        QCOMPARE(alice->oneTimePrekeyCount(), 100);
        QCOMPARE(server.keys[alice.addr].one_time_prekeys_size(), 100);
        auto refill = must(alice->refillPrekeys(30), "refill");
        QCOMPARE(refill.one_time_prekeys_size(), 30);
        QCOMPARE(alice->oneTimePrekeyCount(), 130);
        QVERIFY(!must(alice->rotateSignedPrekeyIfDue(now + 3600'000), "rotate").has_value());
        auto rotated = must(alice->rotateSignedPrekeyIfDue(now + 8LL * 24 * 3600'000), "rotate");
        QVERIFY(rotated.has_value());
        QVERIFY(rotated->signed_prekey().key_id() !=
                server.keys[alice.addr].signed_prekey().key_id());
        // Idempotent on an existing device: same identity, no new OPKs.
        auto again = must(alice->ensureDeviceKeys(1, 1, true), "again");
        QCOMPARE(again.signing_key(), server.keys[alice.addr].signing_key());
        QCOMPARE(again.one_time_prekeys_size(), 0);
        QVERIFY(!alice->ensureDeviceKeys(1, 2, true));
    }

    void deviceDigestMatchesTheProto() {
        const QList<DeviceAddress> devs{{2, 5}, {1, 9}, {2, 1}, {1, 9}};
        QByteArray expected;
        for (auto [u, dv] : {std::pair<quint64, quint64>{1, 9}, {2, 1}, {2, 5}}) {
            crypto::appendU64(expected, u);
            crypto::appendU64(expected, dv);
        }
        QCOMPARE(E2eEngine::deviceDigest(devs), crypto::sha256(expected));
        QCOMPARE(E2eEngine::deviceDigest(devs).size(), 32);
        QVERIFY(E2eEngine::deviceDigest({{1, 9}}) != E2eEngine::deviceDigest({{9, 1}}));
    }
};

QTEST_GUILESS_MAIN(TestE2ePairwise)
#include "test_e2e_pairwise.moc"

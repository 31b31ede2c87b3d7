// The key directory against the real server: uploads are verified (binding and signed-prekey
// signatures, immutable identities, pinned account key), one-time prekeys are handed out exactly
// once also to concurrent fetchers, SPK-only bundles when none are left, refill pushes, the
// fetch rate limit, signed device lists (signature, user, version, devices, account key) and
// revocation, account-key successions (accepted once, from a listed device, continuing the
// version; the new key's handoff pushed and ended by the rebinding) and recovery.
#include "support/e2e_keys.h"
#include "support/integration_fixture.h"

#include "crypto/key_succession.h"
#include "crypto/recovery_key.h"
#include "protocol/limits.h"

#include <QSet>
#include <QTest>

#include <mutex>
#include <thread>

using namespace tidings;
using namespace tidings::test;
using F = protocol::Frame;

class TestKeys : public QObject {
    Q_OBJECT
    IntegrationFixture m_fx;

    std::unique_ptr<RawClient> user(const char *base) { return m_fx.newUser(QLatin1String(base)); }
    QString sql(const QString &q) { return m_fx.sql(q); }
    static F fetch(quint64 user, QList<quint64> devices = {}) {
        F f;
        f.mutable_fetch_bundles_request()->set_user_id(user);
        for (quint64 d : devices)
            f.mutable_fetch_bundles_request()->add_device_ids(d);
        return f;
    }
    static F listOf(quint64 user) {
        F f;
        f.mutable_device_list_request()->set_user_id(user);
        return f;
    }

private slots:
    void initTestCase() {
        const QString err = m_fx.start();
        QVERIFY2(err.isEmpty(), qPrintable(err));
    }

    void uploadIsVerified() {
        auto alice = user("alice");
        QVERIFY(alice);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice dev(alice->userId, alice->deviceId);

        // A binding for another device id: not this connection's device.
        TestDevice other(alice->userId, alice->deviceId + 1000);
        QCOMPARE(errorCode(alice->request(other.upload(aik.publicKey, 5))), wire::ERROR_BAD_FRAME);
        // A signed prekey whose signature does not verify under the DSK.
        F bad = dev.upload(aik.publicKey, 5);
        auto *sig = bad.mutable_upload_keys_request()->mutable_signed_prekey()->mutable_signature();
        (*sig)[0] = char((*sig)[0] ^ 1);
        QCOMPARE(errorCode(alice->request(bad)), wire::ERROR_BAD_FRAME);
        // The first upload needs a signed prekey.
        QCOMPARE(errorCode(alice->request(dev.upload(aik.publicKey, 5, false))),
                 wire::ERROR_BAD_FRAME);
        QCOMPARE(sql("SELECT count(*) FROM device_keys"), QString("0"));

        const F first = dev.upload(aik.publicKey, 30);
        auto ok = alice->request(first);
        QVERIFY(ok && ok->has_keys_response());
        QCOMPARE(ok->keys_response().one_time_prekeys(), 30u);
        QVERIFY(!ok->keys_response().refill());
        // An identical re-upload without SPK or new keys is fine.
        ok = alice->request(dev.upload(aik.publicKey, 0, false));
        QVERIFY(ok && ok->has_keys_response());
        QCOMPARE(ok->keys_response().one_time_prekeys(), 30u);
        // Known key ids are ignored (the stored public keys stay).
        F dup = dev.upload(aik.publicKey, 0, false);
        for (int i = 0; i < 5; ++i) {
            auto *k = dup.mutable_upload_keys_request()->add_one_time_prekeys();
            k->set_key_id(first.upload_keys_request().one_time_prekeys(i).key_id());
            k->set_public_key(crypto::X25519KeyPair::generate().publicKey.toStdString());
        }
        ok = alice->request(dup);
        QVERIFY(ok && ok->has_keys_response());
        QCOMPARE(ok->keys_response().one_time_prekeys(), 30u);

        // Another identity for the same device: refused, the stored one stays.
        TestDevice changed(alice->userId, alice->deviceId);
        QCOMPARE(errorCode(alice->request(changed.upload(aik.publicKey, 1))),
                 wire::ERROR_IDENTITY_MISMATCH);
        // Another account key than the pinned one (from a second device of alice).
        auto a2 = m_fx.newDevice(alice->username);
        QVERIFY(a2);
        TestDevice dev2(a2->userId, a2->deviceId);
        const auto foreign = crypto::Ed25519KeyPair::generate();
        QCOMPARE(errorCode(a2->request(dev2.upload(foreign.publicKey, 1))),
                 wire::ERROR_IDENTITY_MISMATCH);
        ok = a2->request(dev2.upload(aik.publicKey, 1));
        QVERIFY(ok && ok->has_keys_response());

        // At most 200 stored per device.
        ok = alice->request(dev.upload(aik.publicKey, 100, false));
        QCOMPARE(ok->keys_response().one_time_prekeys(), 130u);
        ok = alice->request(dev.upload(aik.publicKey, 100, false));
        QCOMPARE(ok->keys_response().one_time_prekeys(), quint32(limits::kMaxStoredOneTimePrekeys));
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM one_time_prekeys WHERE device_id = %1")
                         .arg(alice->deviceId)),
                 QString("200"));
    }

    void prekeysHandedOutOnceUnderConcurrency() {
        auto bob = user("bob");
        QVERIFY(bob);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice dev(bob->userId, bob->deviceId);
        QVERIFY(bob->request(dev.upload(aik.publicKey, 60))->has_keys_response());
        QVERIFY(bob->request(publishList(aik, bob->userId, 1, {dev.identity()}))->has_ok());

        // 6 fetchers on their own connections, 8 fetches each, all in flight at once.
        std::vector<std::unique_ptr<RawClient>> fetchers;
        std::vector<std::vector<quint64>> ids(6);
        for (int i = 0; i < 6; ++i) {
            fetchers.push_back(user("fetcher"));
            QVERIFY(fetchers.back());
        }
        for (int round = 0; round < 8; ++round)
            for (int i = 0; i < 6; ++i)
                ids[std::size_t(i)].push_back(
                    fetchers[std::size_t(i)]->sendRequest(fetch(bob->userId)));
        QVERIFY(waitFor(
            [&] {
                for (int i = 0; i < 6; ++i)
                    for (quint64 id : ids[std::size_t(i)])
                        if (!fetchers[std::size_t(i)]->hasResponse(id))
                            return false;
                return true;
            },
            60000));
        QSet<quint32> seen;
        for (int i = 0; i < 6; ++i)
            for (quint64 id : ids[std::size_t(i)]) {
                auto r = fetchers[std::size_t(i)]->takeResponse(id);
                QVERIFY2(r && r->has_bundles_response(), r ? r->DebugString().c_str() : "none");
                QCOMPARE(r->bundles_response().bundles_size(), 1);
                const auto &b = r->bundles_response().bundles(0);
                QVERIFY(b.has_one_time_prekey());
                QVERIFY2(!seen.contains(b.one_time_prekey().key_id()), "a key handed out twice");
                seen.insert(b.one_time_prekey().key_id());
                // What the server hands out verifies as a real bundle under bob's AIK.
                QVERIFY(crypto::verifyBundle(bundleFromWire(b), aik.publicKey));
                QCOMPARE(r->bundles_response().device_list().account_key(),
                         aik.publicKey.toStdString());
            }
        QCOMPARE(seen.size(), 48);

        // The last 12, then SPK-only bundles.
        auto c = user("carol");
        for (int i = 0; i < 12; ++i) {
            auto r = c->request(fetch(bob->userId));
            QVERIFY(r && r->has_bundles_response());
            QVERIFY(r->bundles_response().bundles(0).has_one_time_prekey());
            QVERIFY(!seen.contains(r->bundles_response().bundles(0).one_time_prekey().key_id()));
            seen.insert(r->bundles_response().bundles(0).one_time_prekey().key_id());
        }
        QCOMPARE(seen.size(), 60);
        auto empty = c->request(fetch(bob->userId));
        QVERIFY(empty && empty->has_bundles_response());
        QCOMPARE(empty->bundles_response().bundles_size(), 1);
        QVERIFY(!empty->bundles_response().bundles(0).has_one_time_prekey());
        QVERIFY(empty->bundles_response().bundles(0).has_signed_prekey());
        QVERIFY(crypto::verifyBundle(bundleFromWire(empty->bundles_response().bundles(0)),
                                     aik.publicKey));
    }

    void fetchStatementIsAtomicAcrossConnections() {
        // The server orders one user's fetches on one connection; the statement itself must
        // still never hand out a key twice when several connections run it at once.
        auto bob = user("bob");
        QVERIFY(bob);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice dev(bob->userId, bob->deviceId);
        QVERIFY(bob->request(dev.upload(aik.publicKey, 100))->has_keys_response());
        QVERIFY(bob->request(publishList(aik, bob->userId, 1, {dev.identity()}))->has_ok());
        const QString conninfo = m_fx.conninfo();
        const QString q = QStringLiteral("SELECT COALESCE(r_opk_id::text, 'none') FROM "
                                         "tidings_fetch_bundles(%1, '{}')")
                              .arg(bob->userId);
        std::mutex lock;
        QStringList got;
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&] {
                for (int i = 0; i < 12; ++i) {
                    const QStringList r = m_fx.pg().query(conninfo, q);
                    std::lock_guard<std::mutex> g(lock);
                    got << r;
                }
            });
        for (auto &t : threads)
            t.join();
        QCOMPARE(got.size(), 96);
        QVERIFY2(!got.contains("none"), qPrintable(got.join(',')));
        QVERIFY2(!got.join(',').contains("ERROR"), qPrintable(got.join(',')));
        QCOMPARE(QSet<QString>(got.begin(), got.end()).size(), 96);
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM one_time_prekeys WHERE device_id = %1")
                         .arg(bob->deviceId)),
                 QString("4"));
    }

    void refillPushBelowThreshold() {
        auto bob = user("bob");
        auto carol = user("carol");
        QVERIFY(bob && carol);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice dev(bob->userId, bob->deviceId);
        QVERIFY(bob->request(dev.upload(aik.publicKey, 25))->has_keys_response());
        QVERIFY(bob->request(publishList(aik, bob->userId, 1, {dev.identity()}))->has_ok());
        for (int i = 0; i < 5; ++i)
            QVERIFY(carol->request(fetch(bob->userId))->has_bundles_response());
        // 20 left: not below. The next fetch goes below, and its push is the first bob gets (a
        // push at 20 would have been sent before it, on the same path).
        QVERIFY(carol->request(fetch(bob->userId))->has_bundles_response());
        auto push = bob->waitPush(F::kKeysResponse);
        QVERIFY(push);
        QCOMPARE(bob->pushCount(F::kKeysResponse), 0);
        QCOMPARE(push->request_id(), 0u);
        QVERIFY(push->keys_response().refill());
        QCOMPARE(push->keys_response().one_time_prekeys(), 19u);
        // The refill brings it back up.
        auto r = bob->request(dev.upload(aik.publicKey, 50, false));
        QCOMPARE(r->keys_response().one_time_prekeys(), 69u);
        QVERIFY(!r->keys_response().refill());
    }

    void fetchRateLimitAndErrors() {
        auto bob = user("bob");
        auto dave = user("dave");
        QVERIFY(bob && dave);
        // No keys, unknown user.
        QCOMPARE(errorCode(dave->request(fetch(bob->userId))), wire::ERROR_NO_KEYS);
        QCOMPARE(errorCode(dave->request(fetch(9'999'999))), wire::ERROR_NO_SUCH_USER);
        QCOMPARE(errorCode(dave->request(listOf(9'999'999))), wire::ERROR_NO_SUCH_USER);
        auto none = dave->request(listOf(bob->userId));
        QVERIFY(none && none->has_device_list_response());
        QVERIFY(none->device_list_response().signed_list().empty());

        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice dev(bob->userId, bob->deviceId);
        QVERIFY(bob->request(dev.upload(aik.publicKey, 10))->has_keys_response());
        QVERIFY(bob->request(publishList(aik, bob->userId, 1, {dev.identity()}))->has_ok());
        // The two above counted as well.
        std::vector<F> frames(std::size_t(limits::kMaxBundleFetchesPerMinute - 2),
                              fetch(bob->userId));
        auto answers = dave->pipeline(frames, 60000);
        QCOMPARE(int(answers.size()), int(frames.size()));
        for (const auto &a : answers)
            QVERIFY2(a.has_bundles_response(), a.DebugString().c_str());
        auto limited = dave->request(fetch(bob->userId));
        QCOMPARE(errorCode(limited), wire::ERROR_RATE_LIMITED);
        QVERIFY(limited->error().retry_after_ms() > 0);
        QVERIFY(limited->error().retry_after_ms() <= 60000);
        // Per requesting device: someone else is not limited.
        QVERIFY(bob->request(fetch(bob->userId))->has_bundles_response());
        m_fx.shiftClock(61'000);
        QVERIFY(dave->request(fetch(bob->userId))->has_bundles_response());
    }

    void deviceListsAreVerified() {
        auto c1 = user("carol");
        QVERIFY(c1);
        auto c2 = m_fx.newDevice(c1->username);
        auto bob = user("bob");
        QVERIFY(c2 && bob);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice d1(c1->userId, c1->deviceId);
        QVERIFY(c1->request(d1.upload(aik.publicKey, 5))->has_keys_response());

        F v1 = publishList(aik, c1->userId, 1, {d1.identity()});
        // A flipped signature bit.
        F tampered = v1;
        auto *blob = tampered.mutable_publish_device_list_request()->mutable_signed_list();
        blob->back() = char(blob->back() ^ 1);
        QCOMPARE(errorCode(c1->request(tampered)), wire::ERROR_BAD_FRAME);
        // A list of another user (validly signed).
        QCOMPARE(errorCode(c1->request(publishList(aik, bob->userId, 1, {d1.identity()}))),
                 wire::ERROR_FORBIDDEN);
        // Signed by another account key than the pinned one.
        const auto foreign = crypto::Ed25519KeyPair::generate();
        QCOMPARE(errorCode(c1->request(publishList(foreign, c1->userId, 1, {d1.identity()}))),
                 wire::ERROR_IDENTITY_MISMATCH);
        QVERIFY(c1->request(v1)->has_ok());
        auto got = bob->request(listOf(c1->userId));
        QVERIFY(got && got->has_device_list_response());
        QCOMPARE(got->device_list_response().signed_list(),
                 v1.publish_device_list_request().signed_list());
        QCOMPARE(got->device_list_response().account_key(), aik.publicKey.toStdString());
        // Same version again, or older: stale.
        QCOMPARE(errorCode(c1->request(v1)), wire::ERROR_FORBIDDEN);
        QCOMPARE(errorCode(c1->request(publishList(aik, c1->userId, 0, {d1.identity()}))),
                 wire::ERROR_FORBIDDEN);

        // c2 has published no keys yet; bob's device is not carol's.
        TestDevice d2(c2->userId, c2->deviceId);
        QCOMPARE(
            errorCode(c1->request(publishList(aik, c1->userId, 2, {d1.identity(), d2.identity()}))),
            wire::ERROR_BAD_FRAME);
        TestDevice bobDev(bob->userId, bob->deviceId);
        QVERIFY(bob->request(bobDev.upload(crypto::Ed25519KeyPair::generate().publicKey, 1))
                    ->has_keys_response());
        auto ghost = bobDev.identity();
        ghost.userId = c1->userId;
        QCOMPARE(errorCode(c1->request(publishList(aik, c1->userId, 2, {d1.identity(), ghost}))),
                 wire::ERROR_BAD_FRAME);
        // Listed keys that differ from the uploaded ones.
        QVERIFY(c2->request(d2.upload(aik.publicKey, 5))->has_keys_response());
        auto wrong = d2.identity();
        wrong.dik = crypto::X25519KeyPair::generate().publicKey;
        QCOMPARE(errorCode(c1->request(publishList(aik, c1->userId, 2, {d1.identity(), wrong}))),
                 wire::ERROR_IDENTITY_MISMATCH);

        QVERIFY(
            c2->request(publishList(aik, c1->userId, 2, {d1.identity(), d2.identity()}))->has_ok());
        auto both = bob->request(fetch(c1->userId));
        QVERIFY(both && both->has_bundles_response());
        QCOMPARE(both->bundles_response().bundles_size(), 2);

        // Revoking c2: its prekeys go, it is no longer current, a list naming it is refused.
        F revoke;
        revoke.mutable_revoke_device_request()->set_device_id(c2->deviceId);
        QVERIFY(c1->request(revoke)->has_ok());
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM one_time_prekeys WHERE device_id = %1")
                         .arg(c2->deviceId)),
                 QString("0"));
        auto one = bob->request(fetch(c1->userId));
        QVERIFY(one && one->has_bundles_response());
        QCOMPARE(one->bundles_response().bundles_size(), 1);
        QCOMPARE(one->bundles_response().bundles(0).device_id(), c1->deviceId);
        QCOMPARE(errorCode(bob->request(fetch(c1->userId, {c2->deviceId}))), wire::ERROR_NO_KEYS);
        QCOMPARE(
            errorCode(c1->request(publishList(aik, c1->userId, 3, {d1.identity(), d2.identity()}))),
            wire::ERROR_BAD_FRAME);
        QVERIFY(c1->request(publishList(aik, c1->userId, 3, {d1.identity()}))->has_ok());
    }

    void successionIsAcceptedOnceAndForksAreRefused() {
        auto d1 = user("dora");
        QVERIFY(d1);
        auto d2 = m_fx.newDevice(d1->username);
        auto d3 = m_fx.newDevice(d1->username);
        auto bob = user("bob");
        QVERIFY(d2 && d3 && bob);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice k1(d1->userId, d1->deviceId), k2(d2->userId, d2->deviceId),
            k3(d3->userId, d3->deviceId);
        QVERIFY(d1->request(k1.upload(aik.publicKey, 5))->has_keys_response());
        QVERIFY(d2->request(k2.upload(aik.publicKey, 5))->has_keys_response());
        QVERIFY(d3->request(k3.upload(aik.publicKey, 5))->has_keys_response());
        QVERIFY(d1->request(publishList(aik, d1->userId, 4,
                                        {k1.identity(), k2.identity(), k3.identity()}))
                    ->has_ok());

        // d1 logs d3 out and hands the key on: statement, list v5 under the new key, a handoff
        // for d2 (and one for d3, which is not in the new list: dropped).
        F revoke;
        revoke.mutable_revoke_device_request()->set_device_id(d3->deviceId);
        QVERIFY(d1->request(revoke)->has_ok());
        const auto next = crypto::Ed25519KeyPair::generate();
        const auto succession = [&](const crypto::Ed25519KeyPair &from,
                                    const crypto::Ed25519KeyPair &to, quint64 last) {
            crypto::KeySuccession s;
            s.userId = d1->userId;
            s.oldKey = from.publicKey;
            s.newKey = to.publicKey;
            s.lastVersion = last;
            return crypto::signSuccession(s, from, to);
        };
        const QByteArray statement = succession(aik, next, 4);
        const auto rotation = [&](const crypto::Ed25519KeyPair &key, quint64 version,
                                  const QByteArray &st) {
            F f = publishList(key, d1->userId, version, {k1.identity(), k2.identity()});
            auto *p = f.mutable_publish_device_list_request();
            p->set_succession(st.toStdString());
            for (quint64 dev : {d2->deviceId, d3->deviceId}) {
                auto *h = p->add_handoffs();
                h->set_device_id(dev);
                h->set_blob("sealed for " + std::to_string(dev));
            }
            return f;
        };
        // Without a statement a new key is refused; a statement that skips a version too.
        QCOMPARE(errorCode(d1->request(publishList(next, d1->userId, 5, {k1.identity()}))),
                 wire::ERROR_IDENTITY_MISMATCH);
        QCOMPARE(errorCode(d1->request(rotation(next, 5, succession(aik, next, 3)))),
                 wire::ERROR_IDENTITY_MISMATCH);
        QCOMPARE(errorCode(d1->request(rotation(next, 6, statement))),
                 wire::ERROR_IDENTITY_MISMATCH);
        // A device outside the list may not hand the key on (it never held it).
        auto outsider = m_fx.newDevice(d1->username);
        QVERIFY(outsider);
        QCOMPARE(errorCode(outsider->request(rotation(next, 5, statement))), wire::ERROR_FORBIDDEN);

        QVERIFY(d1->request(rotation(next, 5, statement))->has_ok());
        QCOMPARE(sql(QStringLiteral("SELECT encode(account_key, 'hex') FROM users WHERE id = %1")
                         .arg(d1->userId)),
                 QString::fromLatin1(next.publicKey.toHex()));
        // d2, online, got its handoff pushed; d3 (logged out, unlisted) has none.
        auto pushed = d2->waitPush(F::kAccountKeyPush);
        QVERIFY(pushed);
        QCOMPARE(pushed->account_key_push().handoff(),
                 "sealed for " + std::to_string(d2->deviceId));
        QCOMPARE(QByteArray::fromStdString(pushed->account_key_push().successions(0)), statement);
        QCOMPARE(sql(QStringLiteral("SELECT string_agg(device_id::text, ',') FROM "
                                    "account_key_handoffs WHERE user_id = %1")
                         .arg(d1->userId)),
                 QString::number(d2->deviceId));
        // Bob, who pinned the old key, gets the chain with the list; from the new key, none.
        F asked = listOf(d1->userId);
        asked.mutable_device_list_request()->set_known_account_key(aik.publicKey.toStdString());
        auto withChain = bob->request(asked);
        QVERIFY(withChain && withChain->has_device_list_response());
        QCOMPARE(withChain->device_list_response().successions_size(), 1);
        QCOMPARE(QByteArray::fromStdString(withChain->device_list_response().successions(0)),
                 statement);
        asked.mutable_device_list_request()->set_known_account_key(next.publicKey.toStdString());
        QCOMPARE(bob->request(asked)->device_list_response().successions_size(), 0);
        // d2's bundle is still bound to the old key and says so; d2 asks for its handoff.
        auto bundles = bob->request(fetch(d1->userId));
        QVERIFY(bundles && bundles->has_bundles_response());
        for (const auto &b : bundles->bundles_response().bundles())
            QCOMPARE(b.account_key(), aik.publicKey.toStdString()); // nobody rebound yet
        F mine;
        mine.mutable_account_key_request();
        auto handoff = d2->request(mine);
        QVERIFY(handoff && handoff->has_account_key_push());
        QCOMPARE(handoff->account_key_push().successions_size(), 1);
        // A prekey refill under the old binding still works; rebinding to the new key ends the
        // handoff.
        QVERIFY(d2->request(k2.upload(aik.publicKey, 3, false))->has_keys_response());
        QVERIFY(d2->request(k2.upload(next.publicKey, 0, false))->has_keys_response());
        QCOMPARE(sql(QStringLiteral("SELECT count(*) FROM account_key_handoffs WHERE user_id = %1")
                         .arg(d1->userId)),
                 QString("0"));
        QCOMPARE(sql(QStringLiteral("SELECT encode(account_key, 'hex') FROM device_keys WHERE "
                                    "device_id = %1")
                         .arg(d2->deviceId)),
                 QString::fromLatin1(next.publicKey.toHex()));

        // The race: a second statement from the old key (the stolen d3's, or a slower device's)
        // is refused, and so is any list the old key signs.
        const auto thief = crypto::Ed25519KeyPair::generate();
        QCOMPARE(errorCode(d1->request(rotation(thief, 6, succession(aik, thief, 5)))),
                 wire::ERROR_IDENTITY_MISMATCH);
        QCOMPARE(errorCode(d1->request(publishList(aik, d1->userId, 9, {k1.identity()}))),
                 wire::ERROR_IDENTITY_MISMATCH);
        // A key once handed on never comes back.
        QCOMPARE(errorCode(d1->request(rotation(aik, 6, succession(next, aik, 5)))),
                 wire::ERROR_IDENTITY_MISMATCH);
        // Two hops: the chain from the first key has both, oldest first.
        const auto third = crypto::Ed25519KeyPair::generate();
        QVERIFY(d1->request(rotation(third, 6, succession(next, third, 5)))->has_ok());
        asked.mutable_device_list_request()->set_known_account_key(aik.publicKey.toStdString());
        auto chain = bob->request(asked);
        QCOMPARE(chain->device_list_response().successions_size(), 2);
        QCOMPARE(QByteArray::fromStdString(chain->device_list_response().successions(0)),
                 statement);
    }

    void recoveryNeedsTheRecoveryKeyAndLogsTheOthersOut() {
        auto e1 = user("erin");
        QVERIFY(e1);
        const auto aik = crypto::Ed25519KeyPair::generate();
        TestDevice k1(e1->userId, e1->deviceId);
        QVERIFY(e1->request(k1.upload(aik.publicKey, 5))->has_keys_response());
        // A list naming a recovery key: the password is needed to set it.
        auto rsk = crypto::recoverySigningKey(crypto::newRecoverySecret());
        QVERIFY(rsk.ok());
        crypto::DeviceList withRsk{e1->userId, 1, 0, {}, {}};
        withRsk.devices = {{k1.identity().deviceId, k1.identity().dsk, k1.identity().dik}};
        withRsk.recoveryKey = rsk->publicKey;
        F publish;
        publish.mutable_publish_device_list_request()->set_signed_list(
            crypto::signDeviceList(withRsk, aik).toStdString());
        publish.mutable_publish_device_list_request()->set_account_key(aik.publicKey.toStdString());
        QCOMPARE(errorCode(e1->request(publish)), wire::ERROR_FORBIDDEN);
        publish.mutable_publish_device_list_request()->set_password("wrong password");
        QCOMPARE(errorCode(e1->request(publish)), wire::ERROR_BAD_CREDENTIALS);
        publish.mutable_publish_device_list_request()->set_password(
            std::string(RawClient::kPassword));
        QVERIFY(e1->request(publish)->has_ok());
        const QByteArray embedded =
            QByteArray::fromStdString(publish.publish_device_list_request().signed_list());

        // Every device lost; a new one logs in with the password and recovers.
        auto fresh = m_fx.newDevice(e1->username);
        QVERIFY(fresh);
        TestDevice kf(fresh->userId, fresh->deviceId);
        const auto next = crypto::Ed25519KeyPair::generate();
        const auto recovery = [&](const crypto::Ed25519KeyPair &signer) {
            crypto::KeySuccession s;
            s.authority = crypto::SuccessionAuthority::RecoveryKey;
            s.userId = e1->userId;
            s.oldKey = aik.publicKey;
            s.newKey = next.publicKey;
            s.lastVersion = 1;
            s.embeddedList = embedded;
            crypto::DeviceList list{e1->userId, 2, 0, {}, {}};
            list.devices = {{fresh->deviceId, kf.identity().dsk, kf.identity().dik}};
            list.recoveryKey = rsk->publicKey;
            F f;
            auto *r = f.mutable_recover_account_request();
            *r->mutable_keys() = kf.upload(next.publicKey, 10).upload_keys_request();
            r->set_succession(crypto::signRecoverySuccession(s, signer, next).toStdString());
            r->set_signed_list(crypto::signDeviceList(list, next).toStdString());
            r->set_account_key(next.publicKey.toStdString());
            return f;
        };
        // Signed by another key than the list names (the signature does not verify).
        F guessed = recovery(*rsk);
        auto *st = guessed.mutable_recover_account_request()->mutable_succession();
        (*st)[st->size() - 100] = char((*st)[st->size() - 100] ^ 1);
        QCOMPARE(errorCode(fresh->request(guessed)), wire::ERROR_BAD_RECOVERY_KEY);
        QCOMPARE(sql(QStringLiteral("SELECT revoked_at IS NULL FROM devices WHERE id = %1")
                         .arg(e1->deviceId)),
                 QString("t"));
        auto done = fresh->request(recovery(*rsk));
        QVERIFY(done && done->has_recover_account_response());
        QCOMPARE(done->recover_account_response().logged_out_device_ids_size(), 1);
        QCOMPARE(done->recover_account_response().logged_out_device_ids(0), e1->deviceId);
        QVERIFY(e1->waitDisconnected());
        QCOMPARE(sql(QStringLiteral("SELECT encode(account_key, 'hex') FROM users WHERE id = %1")
                         .arg(e1->userId)),
                 QString::fromLatin1(next.publicKey.toHex()));
        QCOMPARE(sql(QStringLiteral("SELECT devices::text FROM device_lists WHERE user_id = %1")
                         .arg(e1->userId)),
                 QStringLiteral("{%1}").arg(fresh->deviceId));
        auto bob = user("bob");
        auto bundles = bob->request(fetch(e1->userId));
        QVERIFY(bundles && bundles->has_bundles_response());
        QCOMPARE(bundles->bundles_response().bundles_size(), 1);
        QCOMPARE(bundles->bundles_response().bundles(0).account_key(),
                 next.publicKey.toStdString());
        // The same statement again: the key was handed on, nothing changes.
        QCOMPARE(errorCode(fresh->request(recovery(*rsk))), wire::ERROR_IDENTITY_MISMATCH);
    }

    void linkRelayBetweenOwnDevices() {
        auto a1 = user("erin");
        QVERIFY(a1);
        auto a2 = m_fx.newDevice(a1->username);
        auto other = user("frank");
        QVERIFY(a2 && other);
        F relay;
        relay.mutable_link_relay_request()->set_device_id(a2->deviceId);
        relay.mutable_link_relay_request()->set_blob("link-blob");
        QVERIFY(a1->request(relay)->has_ok());
        auto push = a2->waitPush(F::kLinkRelayPush);
        QVERIFY(push);
        QCOMPARE(push->link_relay_push().from_device_id(), a1->deviceId);
        QCOMPARE(push->link_relay_push().blob(), std::string("link-blob"));
        // Another user's device (online): no such device of yours, and nothing relayed: a relay
        // sent after it arrives as the first one since.
        QCOMPARE(errorCode(other->request(relay)), wire::ERROR_NO_SUCH_DEVICE);
        F marker = relay;
        marker.mutable_link_relay_request()->set_blob("marker-blob");
        QVERIFY(a1->request(marker)->has_ok());
        push = a2->waitPush(F::kLinkRelayPush);
        QVERIFY(push);
        QCOMPARE(push->link_relay_push().from_device_id(), a1->deviceId);
        QCOMPARE(push->link_relay_push().blob(), std::string("marker-blob"));
        QCOMPARE(a2->pushCount(F::kLinkRelayPush), 0);
        // Offline.
        const quint64 a2Device = a2->deviceId;
        a2->close();
        QVERIFY(a2->waitDisconnected());
        QVERIFY(waitFor([&] {
            relay.mutable_link_relay_request()->set_device_id(a2Device);
            return errorCode(a1->request(relay)) == wire::ERROR_NO_SUCH_DEVICE;
        }));
    }
};

QTEST_GUILESS_MAIN(TestKeys)
#include "test_keys.moc"

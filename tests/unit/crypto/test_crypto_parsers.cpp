// Robustness of every crypto wire/state parser against truncated, random and mutated input (a
// deterministic stand-in for the libFuzzer harness; see the report for tests/fuzz): no crash, no
// acceptance of garbage, and the receiving state never changes on a rejected input.
#include "test_helpers.h"

#include "crypto/device_list.h"
#include "crypto/media_stream.h"
#include "crypto/safety_number.h"
#include "crypto/sender_keys.h"
#include "crypto/session.h"

#include <QBuffer>
#include <QRandomGenerator>
#include <QTest>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace {

constexpr qint64 kNow = 1'800'000'000;

//! Random truncations, bit flips, byte overwrites, insertions and splices of `seed`.
QByteArray mutate(const QByteArray &seed, QRandomGenerator &rng) {
    QByteArray m = seed;
    const int ops = 1 + int(rng.bounded(4));
    for (int i = 0; i < ops; ++i) {
        const qsizetype at = m.isEmpty() ? 0 : qsizetype(rng.bounded(quint32(m.size())));
        switch (rng.bounded(5)) {
        case 0:
            m.truncate(at);
            break;
        case 1:
            if (!m.isEmpty())
                m[at] = char(m[at] ^ (1 << rng.bounded(8)));
            break;
        case 2:
            if (!m.isEmpty())
                m[at] = char(rng.bounded(256));
            break;
        case 3:
            m.insert(at, char(rng.bounded(256)));
            break;
        case 4:
            m.insert(at, seed.mid(qsizetype(rng.bounded(quint32(seed.size() + 1))), 8));
            break;
        }
    }
    return m;
}

} // namespace

class TestCryptoParsers : public QObject {
    Q_OBJECT
private slots:
    void preKeyMessages();
    void ratchetMessagesAndState();
    void senderKeyMessagesAndDistributions();
    void deviceListsAndSafetyQr();
    void mediaBlobs();
};

void TestCryptoParsers::preKeyMessages() {
    QRandomGenerator rng(1);
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceKeys alice = DeviceKeys::generate(1, 1), bob = DeviceKeys::generate(2, 1);
    PreKeyStore store;
    store.rotateSignedPreKey(bob.dsk, kNow);
    const auto opks = store.generateOneTimePreKeys(1);
    PreKeyBundle b = store.publicBundle(bob, aik.publicKey);
    b.opkId = opks[0].first;
    b.opk = opks[0].second;
    const QByteArray good = startSession(alice, b, aik.publicKey, QByteArray("hi"))->preKeyMessage;
    const SecretBytes before = store.serialize();
    for (int i = 0; i < 3000; ++i) {
        const QByteArray m = mutate(good, rng);
        if (m == good)
            continue;
        QVERIFY(!acceptPreKeyMessage(bob, store, m, kNow).ok());
    }
    QVERIFY(store.serialize().equals(before));
    for (int i = 0; i < 2000; ++i) {
        const QByteArray junk = randomPublicBytes(rng.bounded(300));
        QVERIFY(!PreKeyStore::deserialize(junk).ok()); // wrong magic with overwhelming odds
        (void)X3dhReplayCache::decode(junk);           // must not crash
        (void)PreKeyMessage::decode(junk);
    }
    const SecretBytes blob = store.serialize();
    const QByteArray raw = toQByteArray(blob);
    for (int i = 0; i < 2000; ++i)
        (void)PreKeyStore::deserialize(mutate(raw, rng)); // must not crash
}

void TestCryptoParsers::ratchetMessagesAndState() {
    QRandomGenerator rng(2);
    const SecretBytes sk = SecretBytes::random(32);
    const X25519KeyPair spk = X25519KeyPair::generate();
    auto alice = RatchetSession::initInitiator(sk, "AD", spk.publicKey);
    auto bob = RatchetSession::initResponder(sk, "AD", spk);
    QVERIFY(bob->decrypt(*alice->encrypt(QByteArray("a")), kNow).ok());
    const QByteArray good = *alice->encrypt(QByteArray("b"));
    const SecretBytes before = bob->serialize();
    for (int i = 0; i < 5000; ++i) {
        const QByteArray m = mutate(good, rng);
        if (m == good)
            continue;
        QVERIFY(!bob->decrypt(m, kNow).ok());
    }
    QVERIFY(bob->serialize().equals(before));
    const QByteArray raw = toQByteArray(before);
    for (int i = 0; i < 5000; ++i) {
        auto s = RatchetSession::deserialize(mutate(raw, rng));
        if (s.ok()) // a mutation inside a key still parses; it must still be usable safely
            (void)s->decrypt(good, kNow);
    }
}

void TestCryptoParsers::senderKeyMessagesAndDistributions() {
    QRandomGenerator rng(3);
    SenderKeySender s = SenderKeySender::create("g");
    SenderKeyReceiver r = std::move(*SenderKeyReceiver::fromDistribution(s.distribution()));
    const QByteArray good = *s.encrypt(QByteArray("x"));
    const SecretBytes before = r.serialize();
    for (int i = 0; i < 5000; ++i) {
        const QByteArray m = mutate(good, rng);
        if (m == good)
            continue;
        QVERIFY(!r.decrypt(m, kNow).ok());
    }
    QVERIFY(r.serialize().equals(before));
    const QByteArray dist = toQByteArray(s.distribution().serialize());
    for (int i = 0; i < 3000; ++i) {
        auto d = SenderKeyDistribution::parse(mutate(dist, rng));
        if (d.ok())
            (void)SenderKeyReceiver::fromDistribution(*d);
    }
    const QByteArray state = toQByteArray(r.serialize());
    for (int i = 0; i < 3000; ++i)
        (void)SenderKeyReceiver::deserialize(mutate(state, rng));
}

void TestCryptoParsers::deviceListsAndSafetyQr() {
    QRandomGenerator rng(4);
    const Ed25519KeyPair aik = Ed25519KeyPair::generate();
    DeviceList l;
    l.userId = 5;
    l.version = 2;
    for (quint64 id : {1, 2, 3})
        l.devices.append(
            {id, Ed25519KeyPair::generate().publicKey, X25519KeyPair::generate().publicKey});
    const QByteArray good = signDeviceList(l, aik);
    for (int i = 0; i < 5000; ++i) {
        const QByteArray m = mutate(good, rng);
        if (m != good)
            QVERIFY(!verifyDeviceList(m, aik.publicKey, 5, 0).ok());
    }
    for (int i = 0; i < 3000; ++i)
        (void)DeviceList::decodeBody(mutate(l.encodeBody(), rng));
    const QByteArray k1 = aik.publicKey, k2 = Ed25519KeyPair::generate().publicKey;
    const QByteArray qr = safetyQrPayload("2", k2, "1", k1);
    for (int i = 0; i < 300; ++i) {
        const QByteArray m = mutate(qr, rng);
        if (m != qr)
            QVERIFY(!verifySafetyQr(m, "1", k1, "2", k2).ok());
    }
}

void TestCryptoParsers::mediaBlobs() {
    QRandomGenerator rng(5);
    QBuffer in, out;
    in.setData(QByteArray(150000, 'p'));
    in.open(QIODevice::ReadOnly);
    out.open(QIODevice::WriteOnly);
    auto e = encryptMedia(in, 150000, out);
    const QByteArray blob = out.data();
    for (int i = 0; i < 300; ++i) {
        const QByteArray m = mutate(blob, rng);
        if (m == blob)
            continue;
        QBuffer src, dst;
        src.setData(m);
        src.open(QIODevice::ReadOnly);
        dst.open(QIODevice::WriteOnly);
        // With the real digest every mutation fails the digest; with the mutated blob's own
        // digest (a forged pointer) the stream authentication must still fail.
        QVERIFY(!decryptMedia(src, dst, e->key, e->sha256, 150000).ok());
        QVERIFY(!decryptMedia(src, dst, e->key, sha256(m), 150000).ok());
    }
}

QTEST_GUILESS_MAIN(TestCryptoParsers)
#include "test_crypto_parsers.moc"

// Sender Keys (shared/crypto/sender_keys): one ciphertext for every member; the signature is
// checked before decryption so a member holding the chain key cannot forge another sender; after
// a removal the sender rotates to a new dist_id and the removed member cannot decrypt; a new
// member cannot read earlier messages; out-of-order delivery with bounded, expiring skipped keys;
// every flipped bit and every replay rejected with the state unchanged.
#include "test_helpers.h"

#include "crypto/sender_keys.h"

#include <QRandomGenerator>
#include <QTest>

#include <algorithm>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace {

constexpr qint64 kNow = 1'800'000'000;
const QByteArray kGroup("group-42");

SenderKeyReceiver receiverFor(const SenderKeySender &s) {
    // Through the wire form, as a member device would get it inside a pairwise session.
    auto d = SenderKeyDistribution::parse(s.distribution().serialize());
    return std::move(*SenderKeyReceiver::fromDistribution(*d));
}

QByteArray dec(SenderKeyReceiver &r, const QByteArray &msg, qint64 now = kNow) {
    auto p = r.decrypt(msg, now);
    if (!p.ok())
        return QByteArray("ERR:") + cryptoErrorName(cryptoErrorOf(p.error()));
    return toQByteArray(*p);
}

QByteArray enc(SenderKeySender &s, const QByteArray &pt) {
    return *s.encrypt(pt);
}

//! A sender state that uses `victim`'s chain (known to every member) with `signer`'s key: what
//! a malicious member could build from a distribution it legitimately received.
SenderKeySender forge(const SenderKeyDistribution &victim, const Ed25519KeyPair &signer) {
    SecretWriter w;
    w.putU32(0x54534B53);
    w.putBlob(victim.groupId);
    w.putRaw(victim.distId);
    w.putU32(victim.chainId);
    w.putU32(victim.iteration);
    w.putRaw(victim.chainKey);
    w.putRaw(signer.publicKey);
    w.putRaw(signer.secretKey);
    return std::move(*SenderKeySender::deserialize(w.take()));
}

} // namespace

class TestCryptoSenderKeys : public QObject {
    Q_OBJECT
private slots:
    void oneCiphertextForAllMembers();
    void forgedSenderRejectedBeforeDecryption();
    void removedMemberCannotDecryptAfterRotation();
    void newMemberCannotReadEarlierMessages();
    void outOfOrderAndSkippedKeyBounds();
    void everyFlippedBitRejectedStateUnchanged();
    void replayRejected();
    void serialization();
};

void TestCryptoSenderKeys::oneCiphertextForAllMembers() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    std::vector<SenderKeyReceiver> members;
    for (int i = 0; i < 5; ++i)
        members.push_back(receiverFor(alice));
    for (int m = 0; m < 10; ++m) {
        const QByteArray pt = "message " + QByteArray::number(m);
        const QByteArray ct = enc(alice, pt);
        QCOMPARE(*senderKeyMessageDistId(ct), alice.distId());
        for (SenderKeyReceiver &r : members)
            QCOMPARE(dec(r, ct), pt);
    }
}

void TestCryptoSenderKeys::forgedSenderRejectedBeforeDecryption() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    SenderKeyReceiver bob = receiverFor(alice);
    // Carol is a member: she holds Alice's distribution, hence Alice's chain key.
    const SenderKeyDistribution leaked = alice.distribution();
    const Ed25519KeyPair carolKey = Ed25519KeyPair::generate();
    SenderKeySender forger = forge(leaked, carolKey);
    const QByteArray forged = enc(forger, "transfer the money");
    const SecretBytes before = bob.serialize();
    QCOMPARE(dec(bob, forged), QByteArray("ERR:BadSignature"));
    QVERIFY(bob.serialize().equals(before));
    // Broken path for comparison: a receiver that trusted Carol's signing key (i.e. skipped the
    // signature check on Alice's identity) would accept the forgery, since the AEAD is valid.
    SenderKeyDistribution trusting = alice.distribution();
    trusting.signPublic = carolKey.publicKey;
    SenderKeyReceiver naive = std::move(*SenderKeyReceiver::fromDistribution(trusting));
    QCOMPARE(dec(naive, forged), QByteArray("transfer the money"));
    // Order of checks: a forged message far ahead in the chain with garbage ciphertext is turned
    // away as BadSignature, before any key is derived (no skipped keys, no AEAD attempt).
    QByteArray junk = enc(alice, "x");
    for (qsizetype i = 25; i < junk.size(); ++i)
        junk[i] = char(QRandomGenerator::global()->bounded(256));
    QCOMPARE(dec(bob, junk), QByteArray("ERR:BadSignature"));
    QCOMPARE(bob.skippedKeyCount(), 0);
    // Alice's genuine messages still work.
    QCOMPARE(dec(bob, enc(alice, "real")), QByteArray("real"));
}

void TestCryptoSenderKeys::removedMemberCannotDecryptAfterRotation() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    SenderKeyReceiver bob = receiverFor(alice);
    SenderKeyReceiver dave = receiverFor(alice);
    QCOMPARE(dec(dave, enc(alice, "before")), QByteArray("before"));
    dec(bob, enc(alice, "before")); // keep bob in step (not required)
    const QByteArray oldDist = alice.distId();
    // Dave is removed: Alice rotates before her next send and redistributes to Bob only.
    alice.rotate();
    QVERIFY(alice.distId() != oldDist);
    QCOMPARE(alice.iteration(), 0u);
    SenderKeyReceiver bobNew = receiverFor(alice);
    const QByteArray after = enc(alice, "after removal");
    QCOMPARE(dec(bobNew, after), QByteArray("after removal"));
    QCOMPARE(dec(dave, after), QByteArray("ERR:NoSession"));
    QCOMPARE(dec(bob, after), QByteArray("ERR:NoSession"));
    // Even pretending the dist_id matches, Dave's old chain and key do not fit the new one.
    QByteArray relabelled = after;
    relabelled.replace(1, 16, oldDist);
    QVERIFY(!dave.decrypt(relabelled, kNow).ok());
}

void TestCryptoSenderKeys::newMemberCannotReadEarlierMessages() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    QList<QByteArray> history;
    for (int i = 0; i < 5; ++i)
        history.append(enc(alice, "old " + QByteArray::number(i)));
    SenderKeyReceiver erin = receiverFor(alice); // joins now: current keys only
    QCOMPARE(erin.iteration(), 5u);
    for (const QByteArray &m : history)
        QCOMPARE(dec(erin, m), QByteArray("ERR:DuplicateMessage"));
    QCOMPARE(dec(erin, enc(alice, "welcome")), QByteArray("welcome"));
}

void TestCryptoSenderKeys::outOfOrderAndSkippedKeyBounds() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    SenderKeyReceiver bob = receiverFor(alice);
    QList<std::pair<QByteArray, QByteArray>> msgs;
    for (int i = 0; i < 40; ++i)
        msgs.append({enc(alice, QByteArray::number(i)), QByteArray::number(i)});
    std::shuffle(msgs.begin(), msgs.end(), QRandomGenerator(7));
    for (const auto &[ct, pt] : msgs)
        QCOMPARE(dec(bob, ct), pt);
    QCOMPARE(bob.skippedKeyCount(), 0);

    // Jump past MAX_SKIP: rejected, state unchanged.
    QList<QByteArray> lots;
    for (quint32 i = 0; i <= SenderKeyReceiver::kMaxSkip + 1; ++i)
        lots.append(enc(alice, "y"));
    const SecretBytes before = bob.serialize();
    QCOMPARE(dec(bob, lots.last()), QByteArray("ERR:TooManySkipped"));
    QVERIFY(bob.serialize().equals(before));
    QCOMPARE(dec(bob, lots.at(int(SenderKeyReceiver::kMaxSkip))), QByteArray("y"));
    QCOMPARE(bob.skippedKeyCount(), int(SenderKeyReceiver::kMaxSkip));
    QCOMPARE(dec(bob, lots.last()), QByteArray("y"));
    // Skipped keys expire after 30 days.
    QCOMPARE(dec(bob, lots.at(999), kNow + SenderKeyReceiver::kSkippedKeyLifetimeSecs),
             QByteArray("y"));
    QCOMPARE(dec(bob, lots.at(998), kNow + SenderKeyReceiver::kSkippedKeyLifetimeSecs + 1),
             QByteArray("ERR:DuplicateMessage"));
    // Total stored skipped keys are capped, oldest dropped first.
    for (int round = 0; round < 2; ++round) {
        QList<QByteArray> more;
        for (quint32 i = 0; i <= SenderKeyReceiver::kMaxSkip; ++i)
            more.append(enc(alice, "z"));
        QCOMPARE(dec(bob, more.last()), QByteArray("z"));
    }
    QCOMPARE(bob.skippedKeyCount(), SenderKeyReceiver::kMaxStoredSkipped);
    QCOMPARE(dec(bob, lots.at(0)), QByteArray("ERR:DuplicateMessage"));
}

void TestCryptoSenderKeys::everyFlippedBitRejectedStateUnchanged() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    SenderKeyReceiver bob = receiverFor(alice);
    const QByteArray msg = enc(alice, "signed and sealed");
    const SecretBytes before = bob.serialize();
    for (qsizetype bit = 0; bit < msg.size() * 8; ++bit) {
        QVERIFY2(!bob.decrypt(flipBit(msg, bit), kNow).ok(), qPrintable(QString::number(bit)));
        QVERIFY(bob.serialize().equals(before));
    }
    QVERIFY(!bob.decrypt(msg.left(msg.size() - 1), kNow).ok());
    // Same ciphertext, wrong group: AD and signature both bind the group id.
    SenderKeyDistribution other = alice.distribution();
    other.groupId = "group-43";
    SenderKeyReceiver wrongGroup = std::move(*SenderKeyReceiver::fromDistribution(other));
    QCOMPARE(dec(wrongGroup, msg), QByteArray("ERR:BadSignature"));
    QCOMPARE(dec(bob, msg), QByteArray("signed and sealed"));
}

void TestCryptoSenderKeys::replayRejected() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    SenderKeyReceiver bob = receiverFor(alice);
    const QByteArray m0 = enc(alice, "0"), m1 = enc(alice, "1");
    QCOMPARE(dec(bob, m1), QByteArray("1"));
    QCOMPARE(dec(bob, m1), QByteArray("ERR:DuplicateMessage"));
    QCOMPARE(dec(bob, m0), QByteArray("0"));
    QCOMPARE(dec(bob, m0), QByteArray("ERR:DuplicateMessage"));
}

void TestCryptoSenderKeys::serialization() {
    SenderKeySender alice = SenderKeySender::create(kGroup);
    SenderKeyReceiver bob = receiverFor(alice);
    const QByteArray m0 = enc(alice, "0");
    dec(bob, enc(alice, "1"));
    auto alice2 = SenderKeySender::deserialize(alice.serialize());
    auto bob2 = SenderKeyReceiver::deserialize(bob.serialize());
    QVERIFY(alice2.ok() && bob2.ok());
    QCOMPARE(dec(*bob2, m0), QByteArray("0"));
    QCOMPARE(dec(*bob2, enc(*alice2, "2")), QByteArray("2"));
    const SecretBytes d = alice.distribution().serialize();
    for (std::size_t n = 0; n < d.size(); ++n)
        QVERIFY(!SenderKeyDistribution::parse(BytesView(d.data(), n)).ok());
    const SecretBytes r = bob.serialize();
    QVERIFY(!SenderKeyReceiver::deserialize(BytesView(r.data(), r.size() - 1)).ok());
    QVERIFY(!senderKeyMessageDistId(QByteArray(10, 1)).ok());
}

QTEST_GUILESS_MAIN(TestCryptoSenderKeys)
#include "test_crypto_sender_keys.moc"

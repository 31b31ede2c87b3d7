// Double Ratchet (shared/crypto/ratchet): Signal's chain-key vector; out-of-order delivery within
// a chain and across ratchet steps (random permutations); a jump past MAX_SKIP rejected without a
// state change; skipped keys deleted on use, expired after 30 days and capped at 2,000; every
// flipped bit rejected with the state unchanged; replays rejected; forward secrecy (a copy of the
// state and its serialized blob cannot decrypt past messages and do not contain their keys);
// post-compromise recovery after one round trip; state serialization.
#include "test_helpers.h"

#include "crypto/ratchet.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

#include <algorithm>

using namespace tidings;
using namespace tidings::crypto;
using namespace tidings::crypto::testing;

namespace tidings::crypto {
//! Reads private state for the forward-secrecy probes (declared a friend in ratchet.h).
struct RatchetTestAccess {
    static SecretBytes receivingChainKey(const RatchetSession &s) { return s.m_ckr.clone(); }
    static SecretBytes sendingChainKey(const RatchetSession &s) { return s.m_cks.clone(); }
};
} // namespace tidings::crypto

namespace {

constexpr qint64 kNow = 1'800'000'000;

struct Pair {
    RatchetSession alice;
    RatchetSession bob;
};

Pair makePair() {
    const SecretBytes sk = SecretBytes::random(32);
    const X25519KeyPair spk = X25519KeyPair::generate();
    const QByteArray ad("Tidings-v1 test AD");
    return {std::move(*RatchetSession::initInitiator(sk, ad, spk.publicKey)),
            std::move(*RatchetSession::initResponder(sk, ad, spk))};
}

QByteArray enc(RatchetSession &s, const QByteArray &pt) {
    auto r = s.encrypt(pt);
    return r.ok() ? *r : QByteArray();
}

//! Decrypts and returns the plaintext, or "ERR:<name>".
QByteArray dec(RatchetSession &s, const QByteArray &msg, qint64 now = kNow) {
    auto r = s.decrypt(msg, now);
    if (!r.ok())
        return QByteArray("ERR:") + cryptoErrorName(cryptoErrorOf(r.error()));
    return toQByteArray(*r);
}

bool sameState(const RatchetSession &a, const RatchetSession &b) {
    return a.serialize().equals(b.serialize());
}

} // namespace

class TestCryptoRatchet : public QObject {
    Q_OBJECT
private slots:
    void chainKeySignalVector();
    void roundTripsBothWays();
    void responderCannotSendFirst();
    void outOfOrderRandomPermutations();
    void jumpPastMaxSkipRejectedWithoutStateChange();
    void skippedKeysDeletedOnUse();
    void skippedKeysExpire();
    void skippedKeysBounded();
    void everyFlippedBitRejectedStateUnchanged();
    void wrongAssociatedDataRejected();
    void replayRejected();
    void forwardSecrecy();
    void postCompromiseRecovery();
    void decryptOnCopyLeavesOriginal();
    void serializationRoundTrip();
    void headerEncryptionVersionReserved();
    void persistBeforeSendNoKeyReuse();
};

// libsignal-protocol-c tests/test_ratchet.c test_chain_key_derivation_v3: message key seed =
// HMAC(CK, 0x01), next CK = HMAC(CK, 0x02), then HKDF(seed, "WhisperMessageKeys", 80).
void TestCryptoRatchet::chainKeySignalVector() {
    const SecretBytes seed =
        secretHex("8ab72d6f4cc5ac0d387eaf463378ddb28edd07385b1cb01250c715982e7ad48f");
    const ChainStep step = chainKdf(seed);
    QCOMPARE(toHex(step.nextChainKey),
             QByteArray("28e8f8fee54b801eef7c5cfb2f17f32c7b334485bbb70fac6ec10342a246d15d"));
    const SecretBytes keys =
        hkdf(BytesView(), step.messageKey, QByteArray("WhisperMessageKeys"), 80);
    QCOMPARE(toHex(keys).left(64),
             QByteArray("bf51e9d75e0e31031051f82a2491ffc084fa298b7793bd9db620056febf45217"));
    QCOMPARE(toHex(keys).mid(64, 64),
             QByteArray("c6c77d6a73a354337a56435e34607dfe48e3ace14e77314dc6abc172e7a7030b"));
    // Swapping the constants (a plausible bug) breaks the vector.
    QVERIFY(!chainKdf(seed).messageKey.equals(step.nextChainKey));
}

void TestCryptoRatchet::roundTripsBothWays() {
    Pair p = makePair();
    for (int round = 0; round < 20; ++round) {
        const int burst = round % 4 + 1;
        for (int i = 0; i < burst; ++i) {
            const QByteArray m = "a" + QByteArray::number(round * 10 + i);
            QCOMPARE(dec(p.bob, enc(p.alice, m)), m);
        }
        for (int i = 0; i < burst; ++i) {
            const QByteArray m = "b" + QByteArray::number(round * 10 + i);
            QCOMPARE(dec(p.alice, enc(p.bob, m)), m);
        }
    }
    QCOMPARE(dec(p.bob, enc(p.alice, QByteArray())), QByteArray());
    const QByteArray big(64 * 1024, 'z');
    QCOMPARE(dec(p.bob, enc(p.alice, big)), big);
}

void TestCryptoRatchet::responderCannotSendFirst() {
    Pair p = makePair();
    QVERIFY(!p.bob.canSend());
    QCOMPARE(cryptoErrorOf(p.bob.encrypt(QByteArray("x")).error()), CryptoError::NoSession);
    dec(p.bob, enc(p.alice, "x"));
    QVERIFY(p.bob.canSend());
}

void TestCryptoRatchet::outOfOrderRandomPermutations() {
    for (quint32 seed = 1; seed <= 25; ++seed) {
        QRandomGenerator rng(seed);
        Pair p = makePair();
        QList<std::pair<QByteArray, QByteArray>> inFlight; // (ciphertext, plaintext)
        // Three ratchet steps by Alice, each a chain of several messages, with Bob replying in
        // between so Alice steps; Bob receives everything in a random order.
        for (int chain = 0; chain < 3; ++chain) {
            for (int i = 0; i < 6; ++i) {
                const QByteArray m = QByteArray::number(chain) + ":" + QByteArray::number(i);
                inFlight.append({enc(p.alice, m), m});
            }
            if (chain == 0) {
                // Bob must hear from Alice before he can reply; deliver one message early.
                const auto first = inFlight.takeFirst();
                QCOMPARE(dec(p.bob, first.first), first.second);
            }
            QCOMPARE(dec(p.alice, enc(p.bob, "ack")), QByteArray("ack"));
        }
        std::shuffle(inFlight.begin(), inFlight.end(), rng);
        for (const auto &[ct, pt] : inFlight)
            QCOMPARE(dec(p.bob, ct), pt);
        QCOMPARE(p.bob.skippedKeyCount(), 0);
    }
}

void TestCryptoRatchet::jumpPastMaxSkipRejectedWithoutStateChange() {
    Pair p = makePair();
    QList<QByteArray> msgs;
    for (quint32 i = 0; i <= RatchetSession::kMaxSkip + 1; ++i)
        msgs.append(enc(p.alice, "m" + QByteArray::number(i)));
    const SecretBytes before = p.bob.serialize();
    // N = 1001 needs 1001 skipped keys: one more than allowed.
    QCOMPARE(dec(p.bob, msgs.last()), QByteArray("ERR:TooManySkipped"));
    QVERIFY(p.bob.serialize().equals(before));
    // N = 1000 is exactly MAX_SKIP: allowed.
    QCOMPARE(dec(p.bob, msgs.at(int(RatchetSession::kMaxSkip))), QByteArray("m1000"));
    QCOMPARE(p.bob.skippedKeyCount(), int(RatchetSession::kMaxSkip));

    // Across a ratchet step the previous chain's length (PN) counts too.
    Pair q = makePair();
    QCOMPARE(dec(q.bob, enc(q.alice, "hello")), QByteArray("hello"));
    QCOMPARE(dec(q.alice, enc(q.bob, "ack")), QByteArray("ack"));
    for (quint32 i = 0; i < RatchetSession::kMaxSkip + 5; ++i)
        enc(q.bob, "lost");                                  // Bob's chain grows, none delivered
    QVERIFY(q.bob.decrypt(enc(q.alice, "step"), kNow).ok()); // Bob steps: PN = 1005
    const QByteArray next = enc(q.bob, "after");
    const SecretBytes aliceBefore = q.alice.serialize();
    QCOMPARE(dec(q.alice, next), QByteArray("ERR:TooManySkipped"));
    QVERIFY(q.alice.serialize().equals(aliceBefore));
}

void TestCryptoRatchet::skippedKeysDeletedOnUse() {
    Pair p = makePair();
    const QByteArray m0 = enc(p.alice, "0"), m1 = enc(p.alice, "1"), m2 = enc(p.alice, "2");
    QCOMPARE(dec(p.bob, m2), QByteArray("2"));
    QCOMPARE(p.bob.skippedKeyCount(), 2);
    QCOMPARE(dec(p.bob, m0), QByteArray("0"));
    QCOMPARE(p.bob.skippedKeyCount(), 1);
    QCOMPARE(dec(p.bob, m0), QByteArray("ERR:DuplicateMessage"));
    QCOMPARE(dec(p.bob, m1), QByteArray("1"));
    QCOMPARE(p.bob.skippedKeyCount(), 0);
}

void TestCryptoRatchet::skippedKeysExpire() {
    Pair p = makePair();
    const QByteArray m0 = enc(p.alice, "0"), m1 = enc(p.alice, "1"), m2 = enc(p.alice, "2");
    QCOMPARE(dec(p.bob, m2, kNow), QByteArray("2"));
    QCOMPARE(p.bob.skippedKeyCount(), 2);
    // Within 30 days the skipped key still works.
    QCOMPARE(dec(p.bob, m0, kNow + RatchetSession::kSkippedKeyLifetimeSecs), QByteArray("0"));
    // One second past 30 days it is gone.
    QCOMPARE(dec(p.bob, m1, kNow + RatchetSession::kSkippedKeyLifetimeSecs + 1),
             QByteArray("ERR:DuplicateMessage"));
    // The failed decrypt committed nothing (not even the expiry); the next success or an
    // explicit expireSkippedKeys() drops the key.
    QCOMPARE(p.bob.skippedKeyCount(), 1);
    QCOMPARE(dec(p.bob, enc(p.alice, "3"), kNow + RatchetSession::kSkippedKeyLifetimeSecs + 1),
             QByteArray("3"));
    QCOMPARE(p.bob.skippedKeyCount(), 0);
    // expireSkippedKeys() alone also drops them (a client can call it on a timer).
    Pair q = makePair();
    enc(q.alice, "a");
    dec(q.bob, enc(q.alice, "b"), kNow);
    QCOMPARE(q.bob.skippedKeyCount(), 1);
    q.bob.expireSkippedKeys(kNow + RatchetSession::kSkippedKeyLifetimeSecs + 1);
    QCOMPARE(q.bob.skippedKeyCount(), 0);
}

void TestCryptoRatchet::skippedKeysBounded() {
    Pair p = makePair();
    QCOMPARE(dec(p.bob, enc(p.alice, "start")), QByteArray("start"));
    QByteArray oldest;
    for (int round = 0; round < 3; ++round) {
        QList<QByteArray> lost;
        for (int i = 0; i < 900; ++i)
            lost.append(enc(p.alice, "x"));
        if (round == 0)
            oldest = lost.first();
        QCOMPARE(dec(p.bob, enc(p.alice, "last")), QByteArray("last"));
        QCOMPARE(dec(p.alice, enc(p.bob, "ack")), QByteArray("ack")); // new ratchet step
        QVERIFY(p.bob.skippedKeyCount() <= RatchetSession::kMaxStoredSkipped);
    }
    QCOMPARE(p.bob.skippedKeyCount(), RatchetSession::kMaxStoredSkipped);
    // The oldest were dropped first.
    QCOMPARE(dec(p.bob, oldest), QByteArray("ERR:DecryptFailed"));
}

void TestCryptoRatchet::everyFlippedBitRejectedStateUnchanged() {
    Pair p = makePair();
    dec(p.bob, enc(p.alice, "hello"));
    // One message in the current chain, one that starts a new ratchet step.
    const QByteArray inChain = enc(p.alice, "in chain");
    const QByteArray fromBob = enc(p.bob, "reply");
    QCOMPARE(dec(p.alice, fromBob), QByteArray("reply"));
    const QByteArray newStep = enc(p.alice, "new step");
    for (const QByteArray &msg : {inChain, newStep}) {
        const SecretBytes before = p.bob.serialize();
        for (qsizetype bit = 0; bit < msg.size() * 8; ++bit) {
            auto r = p.bob.decrypt(flipBit(msg, bit), kNow);
            QVERIFY2(!r.ok(), qPrintable(QStringLiteral("bit %1").arg(bit)));
            QVERIFY2(p.bob.serialize().equals(before), qPrintable(QString::number(bit)));
        }
        QVERIFY(!p.bob.decrypt(msg.left(msg.size() - 1), kNow).ok());
        QVERIFY(!p.bob.decrypt(msg + 'x', kNow).ok());
        QVERIFY(p.bob.serialize().equals(before));
    }
    QCOMPARE(dec(p.bob, inChain), QByteArray("in chain"));
    QCOMPARE(dec(p.bob, newStep), QByteArray("new step"));
}

void TestCryptoRatchet::wrongAssociatedDataRejected() {
    const SecretBytes sk = SecretBytes::random(32);
    const X25519KeyPair spk = X25519KeyPair::generate();
    auto alice = RatchetSession::initInitiator(sk, "AD-1", spk.publicKey);
    auto bob = RatchetSession::initResponder(sk, "AD-2", spk);
    QCOMPARE(dec(*bob, enc(*alice, "x")), QByteArray("ERR:DecryptFailed"));
}

void TestCryptoRatchet::replayRejected() {
    Pair p = makePair();
    const QByteArray m = enc(p.alice, "once");
    QCOMPARE(dec(p.bob, m), QByteArray("once"));
    const SecretBytes before = p.bob.serialize();
    QCOMPARE(dec(p.bob, m), QByteArray("ERR:DuplicateMessage"));
    QVERIFY(p.bob.serialize().equals(before));
    // Replay of an older chain's message after a ratchet step: also refused.
    QCOMPARE(dec(p.alice, enc(p.bob, "r")), QByteArray("r"));
    QCOMPARE(dec(p.bob, enc(p.alice, "s")), QByteArray("s"));
    QVERIFY(!p.bob.decrypt(m, kNow).ok());
}

void TestCryptoRatchet::forwardSecrecy() {
    Pair p = makePair();
    QCOMPARE(dec(p.bob, enc(p.alice, "warm-up")), QByteArray("warm-up"));
    // The receiving chain key that will produce the next message key, and that message key.
    const SecretBytes ck = RatchetTestAccess::receivingChainKey(p.bob);
    const SecretBytes mk = chainKdf(ck).messageKey;
    const SecretBytes aliceCk = RatchetTestAccess::sendingChainKey(p.alice);
    QVERIFY(ck.equals(aliceCk));
    // Sanity of the probe: the state blob holds the chain key before the message is read.
    QVERIFY(containsBytes(p.bob.serialize(), ck));

    const QByteArray secret = enc(p.alice, "past message");
    QVERIFY(!containsBytes(p.alice.serialize(), aliceCk)); // sender's chain moved on too
    QCOMPARE(dec(p.bob, secret), QByteArray("past message"));

    // A thief copies the database (serialized state) and memory (a clone) now.
    const SecretBytes blob = p.bob.serialize();
    QVERIFY(!containsBytes(blob, ck));
    QVERIFY(!containsBytes(blob, mk));
    auto stolen = RatchetSession::deserialize(blob);
    QVERIFY(stolen.ok());
    QVERIFY(!stolen->decrypt(secret, kNow).ok());
    RatchetSession clone = p.bob.clone();
    QVERIFY(!clone.decrypt(secret, kNow).ok());

    // The same holds for a key that was skipped and then used.
    const QByteArray a = enc(p.alice, "a");
    const SecretBytes ckA = RatchetTestAccess::receivingChainKey(p.bob);
    const SecretBytes mkA = chainKdf(ckA).messageKey;
    QCOMPARE(dec(p.bob, enc(p.alice, "b")), QByteArray("b"));
    QVERIFY(containsBytes(p.bob.serialize(), mkA)); // held as a skipped key
    QCOMPARE(dec(p.bob, a), QByteArray("a"));
    QVERIFY(!containsBytes(p.bob.serialize(), mkA)); // deleted on use
}

void TestCryptoRatchet::postCompromiseRecovery() {
    Pair p = makePair();
    QCOMPARE(dec(p.bob, enc(p.alice, "1")), QByteArray("1"));
    QCOMPARE(dec(p.alice, enc(p.bob, "2")), QByteArray("2"));
    // Bob's full state is stolen.
    RatchetSession stolen = p.bob.clone();
    // Without a round trip the thief reads along: the test would fail if PCS were claimed here.
    const QByteArray before = enc(p.alice, "still readable");
    {
        RatchetSession t = stolen.clone();
        QCOMPARE(dec(t, before), QByteArray("still readable"));
    }
    QCOMPARE(dec(p.bob, before), QByteArray("still readable"));
    // One round trip with fresh ratchet keys the thief never saw.
    QCOMPARE(dec(p.alice, enc(p.bob, "bob steps")), QByteArray("bob steps"));
    const QByteArray after = enc(p.alice, "healed");
    QCOMPARE(dec(p.bob, after), QByteArray("healed"));
    QVERIFY(!stolen.decrypt(after, kNow).ok());
    // Nor can the stolen state impersonate Bob any more: its messages fail at Alice.
    QVERIFY(!p.alice.decrypt(enc(stolen, "forged"), kNow).ok());
}

void TestCryptoRatchet::decryptOnCopyLeavesOriginal() {
    Pair p = makePair();
    const QByteArray m = enc(p.alice, "x");
    const SecretBytes before = p.bob.serialize();
    auto r = p.bob.decryptOnCopy(m, kNow);
    QVERIFY(r.ok());
    QCOMPARE(toQByteArray(r->plaintext), QByteArray("x"));
    QVERIFY(p.bob.serialize().equals(before)); // not committed until the caller says so
    QVERIFY(!r->state.serialize().equals(before));
    p.bob = std::move(r->state); // commit (the client: in the same transaction as the message)
    QCOMPARE(dec(p.bob, m), QByteArray("ERR:DuplicateMessage"));
}

void TestCryptoRatchet::serializationRoundTrip() {
    Pair p = makePair();
    const QByteArray m0 = enc(p.alice, "0");
    dec(p.bob, enc(p.alice, "1"));
    auto alice = RatchetSession::deserialize(p.alice.serialize());
    auto bob = RatchetSession::deserialize(p.bob.serialize());
    QVERIFY(alice.ok() && bob.ok());
    QVERIFY(sameState(*bob, p.bob));
    QCOMPARE(bob->skippedKeyCount(), 1);
    QCOMPARE(dec(*bob, m0), QByteArray("0"));
    QCOMPARE(dec(*bob, enc(*alice, "2")), QByteArray("2"));
    QCOMPARE(dec(*alice, enc(*bob, "3")), QByteArray("3"));
    const SecretBytes blob = p.bob.serialize();
    for (std::size_t n = 0; n < blob.size(); n += 7)
        QVERIFY(!RatchetSession::deserialize(BytesView(blob.data(), n)).ok());
    QVERIFY(!RatchetSession::deserialize(QByteArray("garbage")).ok());
}

void TestCryptoRatchet::headerEncryptionVersionReserved() {
    Pair p = makePair();
    QByteArray m = enc(p.alice, "x");
    QCOMPARE(quint8(m.at(0)), kRatchetVersion);
    m[0] = char(kRatchetVersionEncryptedHeader);
    QCOMPARE(dec(p.bob, m), QByteArray("ERR:UnsupportedVersion"));
    auto h = peekRatchetHeader(enc(p.alice, "y"));
    QVERIFY(h.ok());
    QCOMPARE(h->n, 1u);
}

// Fault injection at the library boundary: the client persists serialize() after encrypt() and
// before sending. A crash between encrypt and persist, followed by a restore of the old state,
// would reuse (DH, N) and its message key; the receiver then refuses the second message as a
// duplicate instead of silently accepting a key reuse, and a correctly persisting sender never
// produces the same (DH, N) twice.
void TestCryptoRatchet::persistBeforeSendNoKeyReuse() {
    Pair p = makePair();
    QSet<QByteArray> headers;
    SecretBytes persisted = p.alice.serialize();
    for (int i = 0; i < 20; ++i) {
        auto state = RatchetSession::deserialize(persisted); // "restart" from disk each time
        QVERIFY(state.ok());
        const QByteArray ct = enc(*state, "m" + QByteArray::number(i));
        persisted = state->serialize(); // persist, then send
        const QByteArray header = ct.mid(1, 40);
        QVERIFY(!headers.contains(header));
        headers.insert(header);
        QCOMPARE(dec(p.bob, ct), "m" + QByteArray::number(i));
    }
    // The broken path: restoring a state from before a send reuses (DH, N) and the key.
    auto stale = RatchetSession::deserialize(persisted);
    RatchetSession fresh = stale->clone();
    const QByteArray first = enc(*stale, "first");
    const QByteArray reused = enc(fresh, "second, same key");
    QCOMPARE(first.mid(1, 40), reused.mid(1, 40));
    QVERIFY(first.mid(41, 24) != reused.mid(41, 24)); // random nonces: no keystream reuse
    QCOMPARE(dec(p.bob, first), QByteArray("first"));
    QCOMPARE(dec(p.bob, reused), QByteArray("ERR:DuplicateMessage"));
}

QTEST_GUILESS_MAIN(TestCryptoRatchet)
#include "test_crypto_ratchet.moc"
